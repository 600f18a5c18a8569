/// Why an event (or a line of an import) was refused: which field, what value, and why.
///
/// The value is shown as given, except for `nik`, which is never echoed back: errors reach logs and
/// terminals, and a NIK must not.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var value: String?
    /// Why, in English: what stored state (a quarantined entry's reason), HTTP problems and logs keep.
    public var reason: String
    /// Why, as a catalogue message, when there is one: shown in the reader's language.
    public var reasonMessage: Message?
    /// 1-based line of an NDJSON import, when the event came from one.
    public var line: Int?

    /// A reason from the catalogue.
    public init(field: String, value: String?, reason: Message, line: Int? = nil) {
        self.init(field: field, value: value, reason: reason.english, line: line)
        reasonMessage = reason
    }

    public init(field: String, value: String?, reason: String, line: Int? = nil) {
        self.field = field
        // Errors reach terminals, logs and the local API: never echo a NIK, or anything shaped like one.
        self.value = field == "nik" || value.map(EventRules.containsNIKShapedNumber) == true ? value.map { _ in "<redacted>" } : value
        self.reason = reason
        self.line = line
    }

    public var description: String { text.english }

    /// The whole refusal as a catalogue message: `line 57: field 'nik' (value '...'): reason`.
    public var text: Message {
        Message(.validationFrame, ["field": field], parts: [
            "line": line.map { Message(.validationLine, ["line": $0]) } ?? .verbatim(""),
            "value": value.map { Message(.validationValue, ["value": Self.shown($0)]) } ?? .verbatim(""),
            "reason": reasonMessage ?? .verbatim(reason),
        ])
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
