import Foundation
import Logging

/// One line per log event on stderr, `level message key=value ...`, no colour: readable in journald
/// (which adds its own timestamp) and in a terminal.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let timestamps: Bool

    public init(label: String, level: Logger.Level = .info, timestamps: Bool = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] == nil) {
        self.label = label
        self.logLevel = level
        self.timestamps = timestamps
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

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
        let level = event.level
        let message = event.message
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var text = timestamps ? Self.utcTimestamp() + " " : ""
        text += "\(level) \(message)"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            let rendered = "\(value)"
            text += rendered.contains(" ") ? " \(key)=\"\(rendered)\"" : " \(key)=\(rendered)"
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
