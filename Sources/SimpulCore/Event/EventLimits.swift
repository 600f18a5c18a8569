/// The one set of size and text limits every event obeys, in bytes, applied by the node at record time and by
/// the aggregator's rules alike. Because every field is bounded here, an event the node records always makes an
/// entry the protocol carries (`SimpulProtocol.maxEntryBytes`): "recorded" means "pushable".
public enum EventLimits {
    /// Identifiers (`case`, `service`, `provider`, `reason`, `kind`): ASCII, compared byte for byte.
    public static let identifierBytes = 64
    /// `officer`: free text (valid UTF-8, no control characters), 1 to this many bytes.
    public static let officerBytes = 64
    /// `attrs` as canonical JSON.
    public static let attrsBytes = 2048
    public static let attrsKeys = 32
    public static let attrKeyBytes = 40
    public static let attrStringBytes = 256
    /// The largest entry the node writes. Every other limit keeps entries far below it (about 3 KiB at most);
    /// this is the last check before the bytes are fixed.
    public static var entryBytes: Int { SimpulProtocol.maxEntryBytes }

    /// Why `text` is not acceptable free text, or nil when it is: valid UTF-8 (a U+FFFD replacement character means
    /// the input was not, and was repaired on the way in), no NUL, no C0 or C1 control characters, no DEL.
    public static func freeTextProblem(_ text: String) -> String? {
        for scalar in text.unicodeScalars {
            if scalar.value == 0 { return "must not contain NUL" }
            if isControl(scalar) { return "must not contain control characters (U+\(hex(scalar.value)))" }
            if scalar.value == 0xFFFD { return "must be valid UTF-8 (it holds U+FFFD, the mark of bytes that were not)" }
        }
        return nil
    }

    /// A C0 or C1 control character, or DEL: never shown raw, never stored in free text.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
