import Foundation
import Logging

/// One line per log event on stderr, `level message key=value ...`, no colour: readable in journald
/// (which adds its own timestamp) and in a terminal. Values with spaces, quotes, `=` or control characters are quoted
/// and escaped, so a value a client chose can never forge another key or line; under journald each line starts with
/// its syslog priority (`<4>` for a warning), so `journalctl -p warning` selects by level.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let timestamps: Bool

    /// Prefix each line with its `<priority>` for journald.
    let priorities: Bool

    public init(label: String, level: Logger.Level = .info, timestamps: Bool = !LineLogHandler.stderrIsJournal,
                priorities: Bool = LineLogHandler.stderrIsJournal) {
        self.label = label
        self.logLevel = level
        self.timestamps = timestamps
        self.priorities = priorities
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// True when stderr is the journal's stream: `JOURNAL_STREAM` names its device and inode (systemd.exec(5)); a
    /// program started from a service's shell inherits the variable with another stderr.
    public static let stderrIsJournal: Bool = {
        guard let value = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":").compactMap { UInt64($0) }
        var info = stat()
        guard parts.count == 2, fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == parts[0] && UInt64(info.st_ino) == parts[1]
    }()

    /// `2026-11-30T09:15:00Z` via libc: a date formatter would pull in ICU's data (megabytes of RSS) for this.
    static func utcTimestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line = Self.render(level: event.level, message: "\(event.message)", metadata: merged,
                               timestamp: timestamps ? Self.utcTimestamp() : nil, priority: priorities)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The line for one event (without the newline).
    public static func render(level: Logger.Level, message: String, metadata: Logger.Metadata, timestamp: String?, priority: Bool) -> String {
        var text = priority ? "<\(syslogPriority(level))>" : ""
        if let timestamp { text += timestamp + " " }
        text += "\(level) " + escapeControls(message)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            text += " \(escapeControls(key))=\(quoted("\(value)"))"
        }
        return text
    }

    /// syslog(3) priorities, as journald reads them from a `<N>` prefix.
    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// A value as it is written: bare when it is plain, else in quotes with `"`, `\` and control characters escaped.
    static func quoted(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy { s in
            s.value > 0x20 && s.value != 0x7f && s != "\"" && s != "\\" && s != "=" && !(0x80...0x9f).contains(s.value)
        }
        if plain { return value }
        var out = "\""
        for s in value.unicodeScalars {
            switch s {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out += escapeControl(s)
            }
        }
        return out + "\""
    }

    /// Control characters (newlines above all) as escapes: one event is one line.
    static func escapeControls(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars { out += escapeControl(s) }
        return out
    }

    static func escapeControl(_ s: Unicode.Scalar) -> String {
        switch s {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            if s.value < 0x20 || s.value == 0x7f || (0x80...0x9f).contains(s.value) { return "\\u{\(String(s.value, radix: 16))}" }
            return String(s)
        }
    }
}
