import Foundation

/// The language a person reads the command line's messages in: Bahasa Indonesia or English.
///
/// Chosen once per process from the environment: `SIMPUL_LANG=id|en` first (an explicit override), else the POSIX
/// locale (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, the first one set and non-empty). A locale starting with `id`
/// (`id_ID.UTF-8`, `id`) means Indonesian; anything else (`C`, `C.UTF-8`, `en_US.UTF-8`, unset) means English.
/// Only what a person reads is translated: `--json` output, log lines and wire formats stay English.
public enum Language: String, Sendable, CaseIterable {
    case en
    case id

    /// The language of this process, from its environment.
    public static let current = Language(environment: ProcessInfo.processInfo.environment)

    /// The language an environment asks for. An unknown `SIMPUL_LANG` value falls back to the locale.
    public init(environment: [String: String]) {
        if let explicit = environment["SIMPUL_LANG"].flatMap(Language.init(code:)) {
            self = explicit
            return
        }
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        self = locale.map { $0.lowercased().hasPrefix("id") } == true ? .id : .en
    }

    /// `id`/`en` (any case, surrounding spaces ignored); nil for anything else.
    init?(code: String) {
        self.init(rawValue: code.trimmingCharacters(in: .whitespaces).lowercased())
    }
}
