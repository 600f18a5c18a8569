/// One CSV line (RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled), built into a byte
/// buffer. A text field a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage
/// return) gets a leading `'`: a field comes from an office's node, and an official opens the file in a spreadsheet.
struct CSVRow {
    private(set) var bytes: [UInt8] = []
    private var first = true

    mutating func text(_ value: String?) {
        separator()
        guard let value, !value.isEmpty else { return }
        let utf8 = value.utf8
        let formula = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13].contains(utf8.first!)
        let quote = formula || utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        if quote { bytes.append(UInt8(ascii: "\"")) }
        if formula { bytes.append(UInt8(ascii: "'")) }
        for c in utf8 {
            if c == UInt8(ascii: "\"") { bytes.append(c) }
            bytes.append(c)
        }
        if quote { bytes.append(UInt8(ascii: "\"")) }
    }

    mutating func number<N: BinaryInteger>(_ value: N?) {
        separator()
        if let value { bytes.append(contentsOf: String(value).utf8) }
    }

    mutating func flag(_ value: Bool?) {
        separator()
        if let value { bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    }

    mutating func end() -> [UInt8] {
        bytes.append(10)
        defer { bytes.removeAll(keepingCapacity: true); first = true }
        return bytes
    }

    private mutating func separator() {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
    }
}
