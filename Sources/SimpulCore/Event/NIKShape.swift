/// Recognises a NIK (a citizen's 16-digit number) where it must never be stored in clear: in free text, in an
/// attribute, written with separators, in another script's digits, or split across attributes.
///
/// A NIK is `PPKKCC DDMMYY SSSS`: the kecamatan of registration, the birth date (day + 40 for women), a serial.
enum NIKShape {
    /// The digits a NIK has.
    static let length = 16
    /// Separator characters between digit groups (`3507 0145`, `3507-0145`, `3507 / 0145`): at most this many in a row.
    static let maxSeparatorRun = 3

    /// The decimal value of a digit in any script (ASCII, fullwidth `３`, Arabic-Indic `٣`, ...), nil for anything else.
    static func digit(_ scalar: Unicode.Scalar) -> UInt8? {
        if scalar.value >= 48 && scalar.value <= 57 { return UInt8(scalar.value - 48) }
        guard scalar.value > 127, scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue,
              value >= 0, value <= 9 else { return nil }
        return UInt8(value)
    }

    /// Whitespace, or the punctuation people put between digit groups.
    static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", ".", "-", "/", ",", "_", ":", ";", "|", "'", "\t": return true
        default:
            guard scalar.value > 127 else { return false }
            return scalar.properties.isWhitespace || scalar.properties.generalCategory == .dashPunctuation
        }
    }

    /// True when the text holds 16 or more digits in a row, counted across short runs of separators between digit
    /// groups. A longer number is refused too, since a NIK may hide inside it.
    static func occurs(in text: String) -> Bool {
        var digits = 0
        var separators = 0
        for scalar in text.unicodeScalars {
            if digit(scalar) != nil {
                digits += 1
                separators = 0
                if digits >= length { return true }
            } else if digits > 0 && isSeparator(scalar) && separators < maxSeparatorRun {
                separators += 1
            } else {
                digits = 0
                separators = 0
            }
        }
        return false
    }

    /// Every digit of a value's strings, numbers and keys, in the canonical order of its keys.
    static func digits(of value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .string(let text): digits(of: text, into: &out)
        case .integer(let number): digits(of: String(number), into: &out)
        case .number(let number) where number.isFinite && abs(number) < 1e18: digits(of: String(Int64(number)), into: &out)
        case .array(let values): for element in values { digits(of: element, into: &out) }
        case .object(let members):
            for key in members.keys.sorted() {
                digits(of: key, into: &out)
                digits(of: members[key]!, into: &out)
            }
        default: break
        }
    }

    private static func digits(of text: String, into out: inout [UInt8]) {
        for scalar in text.unicodeScalars { if let d = digit(scalar) { out.append(d) } }
    }

    /// True when some 16 consecutive digits of `digits` have a NIK's structure: a province code (11-96), a birth day
    /// (01-31, or 41-71 for women), a month (01-12) and a serial other than 0000. Used on digits gathered across
    /// fields, where any 16 digits in a row would refuse too much.
    static func structured(_ digits: [UInt8]) -> Bool {
        guard digits.count >= length else { return false }
        func pair(_ i: Int) -> Int { Int(digits[i]) * 10 + Int(digits[i + 1]) }
        for start in 0...(digits.count - length) {
            let province = pair(start), day = pair(start + 6), month = pair(start + 8)
            let serial = pair(start + 12) * 100 + pair(start + 14)
            if (11...96).contains(province), (1...31).contains(day) || (41...71).contains(day), (1...12).contains(month), serial > 0 {
                return true
            }
        }
        return false
    }
}
