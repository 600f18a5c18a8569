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
        if let value { text += " (value '\(Self.shown(value))')" }
        return text + ": \(reason)"
    }

    /// A value as it may be shown on a terminal or in a log: at most 60 Unicode scalars (so 40 KB of combining
    /// marks on one letter cannot flood it), control characters escaped.
    static func shown(_ value: String) -> String {
        var out = ""
        for (index, scalar) in value.unicodeScalars.enumerated() {
            if index == 60 { return out + "..." }
            if EventLimits.isControl(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public func at(line: Int) -> ValidationError {
        var copy = self
        copy.line = line
        return copy
    }
}
