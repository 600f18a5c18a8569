import Foundation
import Testing
@testable import SimpulCore

/// The catalogue and wilayah lists are compiled into the program (scripts/generate-embedded-data.py);
/// these tests fail when a repo file is edited without regenerating the embedded copy.
@Suite("Embedded reference data")
struct EmbeddedDataTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func repoFile(_ path: String) throws -> String {
        let url = root.appendingPathComponent(path)
        let data = try #require(FileManager.default.contents(atPath: url.path), "cannot read \(url.path)")
        var text = String(decoding: data, as: UTF8.self)
        // A Swift multi-line literal drops the newline before its closing delimiter.
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    @Test("the embedded catalogue is config/services.csv")
    func catalogueMatches() throws {
        #expect(EmbeddedCatalogue.csv == (try Self.repoFile("config/services.csv")))
    }

    @Test("the embedded kecamatan list is data/wilayah/wilayah_3prov.csv")
    func kecamatanMatches() throws {
        #expect(EmbeddedKecamatan.csv == (try Self.repoFile("data/wilayah/wilayah_3prov.csv")))
    }

    @Test("the embedded desa list is data/wilayah/desa_3prov.csv")
    func desaMatches() throws {
        #expect(EmbeddedDesa.csv == (try Self.repoFile("data/wilayah/desa_3prov.csv")))
    }

    @Test("every row of the shipped files is loaded")
    func everyRowLoaded() throws {
        func dataRows(_ text: String) -> Int { text.split(separator: "\n").dropFirst().count }
        #expect(Wilayah.shipped.kecamatan.count == dataRows(try Self.repoFile("data/wilayah/wilayah_3prov.csv")))
        #expect(Wilayah.shipped.desa.count == dataRows(try Self.repoFile("data/wilayah/desa_3prov.csv")))
        let services = try Self.repoFile("config/services.csv").split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(ServiceCatalogue.shipped.codes.count == services.count - 1)
        // The three pilot provinces: Aceh 290 kecamatan, Jawa Timur 666, NTB 117 (design.md).
        let byProvince = Dictionary(grouping: Wilayah.shipped.kecamatan.values, by: \.provinsi).mapValues(\.count)
        #expect(byProvince == ["Aceh": 290, "Jawa Timur": 666, "Nusa Tenggara Barat": 117])
    }
}
