/// The one message catalogue: every text a person reads from `simpul` and `simpul-aggregator`, in English and in
/// Bahasa Indonesia, by key.
///
/// Templates name their context values as `{placeholder}`; both languages of a key use the same placeholders (a
/// test checks it). Commands, paths, flags and codes stay verbatim in both. The entries are split by area
/// (`Catalogue+Node.swift`, `Catalogue+StorageOperations.swift`, `Catalogue+Sync.swift`, `Catalogue+NodeCLI.swift`, `Catalogue+Status.swift`, `Catalogue+Validation.swift`, `Catalogue+Options.swift`, `Catalogue+Aggregator.swift`, `Catalogue+AggregatorCLI.swift`).
public enum Catalogue {
    /// One key's text in both languages.
    public struct Entry: Sendable {
        public let en: String
        public let id: String

        public func text(_ language: Language) -> String {
            switch language {
            case .en: en
            case .id: id
            }
        }
    }

    /// Every area's entries; a key in two areas is a mistake the catalogue test reports.
    public static let areas: [[MessageKey: Entry]] = [common, node, storageOperations, sync, nodeCLI, status, validation, options, aggregator, aggregatorCLI]

    static let entries: [MessageKey: Entry] = areas.reduce(into: [:]) { all, area in
        all.merge(area) { first, _ in first }
    }

    /// The template of `key` in `language`; the key itself if the catalogue lacks it (the test makes sure none does).
    public static func template(_ key: MessageKey, _ language: Language) -> String {
        entries[key]?.text(language) ?? key.rawValue
    }

    /// Fills `{name}` placeholders from `args`; an unknown placeholder is left as written.
    public static func render(_ template: String, _ args: [String: String]) -> String {
        guard template.contains("{") else { return template }
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            out += args[name] ?? "{\(name)}"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// The placeholder names a template uses.
    public static func placeholders(_ template: String) -> Set<String> {
        var names = Set<String>()
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}

/// Shorthand for command-line code: `key` rendered in the process's language.
public func tr(_ key: MessageKey, _ args: KeyValuePairs<String, any CustomStringConvertible> = [:]) -> String {
    Message(key, args).text()
}
