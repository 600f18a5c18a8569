import SimpulCore

/// An area of the drill-down (all areas, a province, a kabupaten/kota, a kecamatan, a desa), named from the shipped
/// wilayah list, with the areas one level down that have a name or data.
struct DashboardArea: Sendable, Equatable {
    enum Level: Int, Sendable { case all, province, kabkota, kecamatan, desa }

    let code: String
    let level: Level
    let name: String

    /// The area of a query's `area` code, or nil when it is not a code shape this dashboard knows.
    init?(code: String, wilayah: Wilayah = .shipped) {
        let parts = code.split(separator: ".", omittingEmptySubsequences: false)
        let shapes = [2, 2, 2, 4]
        guard code.isEmpty || (parts.count <= 4 && zip(parts, shapes).allSatisfy { $0.count == $1 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        self.code = code
        level = code.isEmpty ? .all : Level(rawValue: parts.count)!
        name = Self.name(of: code, level: level, wilayah: wilayah)
    }

    static func name(of code: String, level: Level, wilayah: Wilayah) -> String {
        switch level {
        case .all: return ""
        case .desa: return wilayah.desa[code]?.name ?? code
        case .kecamatan: return wilayah.kecamatan[code]?.name ?? code
        case .kabkota: return wilayah.kecamatan.values.first { $0.code.hasPrefix(code + ".") }?.kabkota ?? code
        case .province: return wilayah.kecamatan.values.first { $0.code.hasPrefix(code + ".") }?.provinsi ?? code
        }
    }

    /// The chain from all areas down to this one, for the breadcrumb.
    var ancestors: [DashboardArea] {
        let parts = code.split(separator: ".")
        return (0..<parts.count).compactMap { DashboardArea(code: parts.prefix($0).joined(separator: ".")) }
    }

    /// The code one level down that `kecamatan` (a kecamatan code) falls under, or nil at a kecamatan or desa.
    func child(ofKecamatan kecamatan: String) -> String? {
        let parts = kecamatan.split(separator: ".")
        switch level {
        case .all: return parts.first.map(String.init)
        case .province: return parts.count >= 2 ? parts.prefix(2).joined(separator: ".") : nil
        case .kabkota: return kecamatan
        case .kecamatan, .desa: return nil
        }
    }

    /// The kecamatan of the shipped list inside this area (for silent ones: no node, or not seen).
    func kecamatanCodes(wilayah: Wilayah = .shipped) -> [String] {
        switch level {
        case .all: return wilayah.kecamatan.keys.sorted()
        case .desa: return []
        default: return wilayah.kecamatan.keys.filter { $0 == code || $0.hasPrefix(code + ".") }.sorted()
        }
    }

    /// The desa of the shipped list in this kecamatan.
    func desaCodes(wilayah: Wilayah = .shipped) -> [(code: String, name: String)] {
        guard level == .kecamatan else { return [] }
        return wilayah.desa.desa(ofKecamatan: code)
    }

    func levelName(_ t: DashboardLanguage) -> String {
        switch level {
        case .all: t(.wholeDatabase)
        case .province: t(.province)
        case .kabkota: t(.kabkota)
        case .kecamatan: t(.kecamatan)
        case .desa: t(.desa)
        }
    }
}
