/// Why an event (or a line of an import) was refused: which field, what value, and why.
///
/// The value is shown as given, except for `nik`, which is never echoed back: errors reach logs and
/// terminals, and a NIK must not.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var value: String?
    public var reason: String
    /// 1-based line of an NDJSON import, when the event came from one.
    public var line: Int?

    public init(field: String, value: String?, reason: String, line: Int? = nil) {
        self.field = field
        // Errors reach terminals, logs and the local API: never echo a NIK, or anything shaped like one.
        self.value = field == "nik" || value.map(EventRules.containsNIKShapedNumber) == true ? value.map { _ in "<redacted>" } : value
        self.reason = reason
        self.line = line
    }

    public var description: String {
        var text = line.map { "line \($0): " } ?? ""
        text += "field '\(field)'"
        if let value { text += " (value '\(value.count > 80 ? String(value.prefix(77)) + "..." : value)')" }
        return text + ": \(reason)"
    }

    public func at(line: Int) -> ValidationError {
        var copy = self
        copy.line = line
        return copy
    }
}
