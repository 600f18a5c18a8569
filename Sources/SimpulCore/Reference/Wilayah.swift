/// The Kemendagri administrative codes Simpul knows: kecamatan and desa/kelurahan of the pilot provinces.
///
/// Shipped inside the program (see `data/wilayah/`), parsed once on first use.
public struct Wilayah: Sendable {
    /// A kecamatan with the names of its kabupaten/kota and province.
    public struct Kecamatan: Sendable, Equatable {
        public var code: String
        public var name: String
        public var kabkota: String
        public var provinsi: String
    }

    public let kecamatan: [String: Kecamatan]
    /// desa code -> (name, kecamatan code)
    public let desa: DesaTable

    /// The list shipped with the program.
    public static let shipped = Wilayah(kecamatanCSV: EmbeddedKecamatan.csv, desaCSV: EmbeddedDesa.csv)

    public init(kecamatanCSV: String, desaCSV: String) {
        var kecamatan = [String: Kecamatan]()
        for line in kecamatanCSV.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 6 else { continue }
            kecamatan[f[0]] = Kecamatan(code: f[0], name: f[1], kabkota: f[3], provinsi: f[5])
        }
        self.kecamatan = kecamatan
        self.desa = DesaTable(csv: desaCSV)
    }

    /// The desa list, looked up in its CSV text (`code,name,kecamatan_code` rows after a header) by binary
    /// search over the rows sorted by code. The shipped text is a literal in the program's read-only data, so
    /// the table costs 4 bytes a row instead of a dictionary of strings (1.5 MB for the ~16,000 shipped rows),
    /// which every process that validates a node id or an event would otherwise build.
    public struct DesaTable: Sendable, Sequence {
        public typealias Element = (key: String, value: (name: String, kecamatan: String))
        private let csv: String
        /// Byte offset of each data row, sorted by code.
        private let rows: [Int32]

        init(csv: String) {
            var text = csv
            rows = text.withUTF8 { bytes in
                var rows: [Int32] = []
                var lineStart = 0
                var header = true
                for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "\n") {
                    if !header && i > lineStart { rows.append(Int32(lineStart)) }
                    header = false
                    lineStart = i + 1
                }
                let code = { (start: Int32) in Self.code(at: Int(start), in: bytes) }
                if zip(rows, rows.dropFirst()).contains(where: { Self.compare(code($0), code($1)) >= 0 }) {
                    rows.sort { Self.compare(code($0), code($1)) < 0 }
                }
                return rows
            }
            self.csv = text
        }

        public var count: Int { rows.count }

        /// Whether the list holds `code`: the check every recorded and ingested event makes (no row parsed).
        public func contains(_ code: String) -> Bool { offset(of: code) != nil }

        public subscript(code: String) -> (name: String, kecamatan: String)? {
            guard let found = offset(of: code) else { return nil }
            let fields = Self.row(at: found, in: csv)
            return fields.count >= 3 ? (fields[1], fields[2]) : nil
        }

        /// The byte offset of the row with `code`, by binary search.
        private func offset(of code: String) -> Int32? {
            var text = csv
            var target = code
            return target.withUTF8 { key in
                text.withUTF8 { bytes in
                    var low = 0, high = rows.count
                    while low < high {
                        let mid = (low + high) / 2
                        let order = Self.compare(Self.code(at: Int(rows[mid]), in: bytes), key)
                        if order == 0 { return rows[mid] }
                        if order < 0 { low = mid + 1 } else { high = mid }
                    }
                    return nil
                }
            }
        }

        /// The desa of one kecamatan (codes `KECAMATAN.XDDD`), in code order: a binary search to the first, then the
        /// rows that follow it (a dashboard page lists them; no scan of the whole list).
        public func desa(ofKecamatan kecamatan: String) -> [(code: String, name: String)] {
            var text = csv
            var prefix = kecamatan + "."
            let first: Int = prefix.withUTF8 { key in
                text.withUTF8 { bytes in
                    var low = 0, high = rows.count
                    while low < high {
                        let mid = (low + high) / 2
                        if Self.compare(Self.code(at: Int(rows[mid]), in: bytes), key) < 0 { low = mid + 1 } else { high = mid }
                    }
                    return low
                }
            }
            var out = [(code: String, name: String)]()
            for index in first..<rows.count {
                let fields = Self.row(at: rows[index], in: csv)
                guard fields.count >= 3, fields[0].hasPrefix(prefix) else { break }
                out.append((fields[0], fields[1]))
            }
            return out
        }

        public func makeIterator() -> AnyIterator<Element> {
            var index = 0
            return AnyIterator {
                while index < rows.count {
                    let fields = Self.row(at: rows[index], in: csv)
                    index += 1
                    if fields.count >= 3 { return (fields[0], (fields[1], fields[2])) }
                }
                return nil
            }
        }

        private static func row(at start: Int32, in text: String) -> [String] {
            let utf8 = text.utf8
            let from = utf8.index(utf8.startIndex, offsetBy: Int(start))
            let to = utf8[from...].firstIndex(of: UInt8(ascii: "\n")) ?? utf8.endIndex
            return text[from..<to].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }

        /// The first field of the row starting at `start`.
        private static func code(at start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: ",") && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            return UnsafeBufferPointer(rebasing: bytes[start..<end])
        }

        private static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
            for i in 0..<Swift.min(a.count, b.count) where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        }
    }

    /// `PP.KK.CC.XDDD` with X = 1 (kelurahan), 2 (desa) or 3 (desa adat).
    public static func isDesaCodeShaped(_ code: String) -> Bool {
        let b = Array(code.utf8)
        guard b.count == 13 else { return false }
        for (i, c) in b.enumerated() {
            if i == 2 || i == 5 || i == 8 {
                guard c == UInt8(ascii: ".") else { return false }
            } else {
                guard c >= 48 && c <= 57 else { return false }
            }
        }
        return b[9] >= UInt8(ascii: "1") && b[9] <= UInt8(ascii: "3")
    }

    /// `PP.KK.CC`.
    public static func isKecamatanCodeShaped(_ code: String) -> Bool {
        let b = Array(code.utf8)
        guard b.count == 8 else { return false }
        for (i, c) in b.enumerated() {
            if i == 2 || i == 5 {
                guard c == UInt8(ascii: ".") else { return false }
            } else {
                guard c >= 48 && c <= 57 else { return false }
            }
        }
        return true
    }
}
