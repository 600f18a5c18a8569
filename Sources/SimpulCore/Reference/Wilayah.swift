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
    public let desa: [String: (name: String, kecamatan: String)]

    /// The list shipped with the program.
    public static let shipped = Wilayah(kecamatanCSV: EmbeddedKecamatan.csv, desaCSV: EmbeddedDesa.csv)

    public init(kecamatanCSV: String, desaCSV: String) {
        var kecamatan = [String: Kecamatan]()
        for line in kecamatanCSV.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 6 else { continue }
            kecamatan[f[0]] = Kecamatan(code: f[0], name: f[1], kabkota: f[3], provinsi: f[5])
        }
        var desa = [String: (name: String, kecamatan: String)]()
        desa.reserveCapacity(17_000)
        for line in desaCSV.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count >= 3 else { continue }
            desa[String(f[0])] = (String(f[1]), String(f[2]))
        }
        self.kecamatan = kecamatan
        self.desa = desa
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
