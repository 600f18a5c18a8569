import Foundation
import SimpulCore
import SimpulNode
import Testing

@Suite("NIK never stored")
struct PrivacyTests {
    /// Every regular file in the node's data directory: node.db, node.db-wal and -shm when present, keys.
    static func files(in dir: String) throws -> [String: Data] {
        var out = [String: Data]()
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            out[name] = FileManager.default.contents(atPath: dir + "/" + name)
        }
        return out
    }

    @Test("no NIK digits are in node.db or its WAL, while open or after closing; their pseudonyms are")
    func nikAbsentFromDatabaseFile() throws {
        try withTestNode { node in
            let niks = (0..<60).map(Events.nik)
            #expect(Set(niks).count == 60)
            var subjects = [String]()
            do {
                let recorder = try node.recorder()
                _ = try recorder.record(objects: (0..<20).map { Events.object($0) })
                _ = try recorder.importNDJSON(Events.ndjson((20..<60).map { Events.line($0) }))
                subjects = try node.store().events().compactMap(\.event.subject)
                #expect(subjects.count == 60)

                // While the store is open, the new pages sit in the WAL.
                let open = try Self.files(in: node.config.dataDir)
                let wal = try #require(open["node.db-wal"], "expected a WAL while the store is open")
                #expect(wal.contains(subjects[0]) || (open["node.db"] ?? Data()).contains(subjects[0]))
                for (name, bytes) in open {
                    for nik in niks { #expect(!bytes.contains(nik), "NIK \(nik) found in \(name) (store open)") }
                }
            }
            // Closed: read whatever is left on disk.
            let closed = try Self.files(in: node.config.dataDir)
            let db = try #require(closed["node.db"])
            let everything = closed.values.reduce(Data(), +)
            #expect(subjects.allSatisfy { everything.contains($0) }, "the pseudonyms should be on disk, so the scan sees the data")
            #expect(db.count > 4096)
            for (name, bytes) in closed {
                for nik in niks { #expect(!bytes.contains(nik), "NIK \(nik) found in \(name)") }
            }
        }
    }

    @Test("listing events shows pseudonyms, sex and age band, never the NIK")
    func eventsShowPseudonyms() throws {
        try withTestNode { node in
            _ = try node.recorder().record(objects: [Events.object(0), Events.object(1)])
            let events = try node.store().events()
            let json = String(decoding: try JSONEncoder().encode(events), as: UTF8.self)
            #expect(!json.contains(Events.nik(0)))
            #expect(!json.contains(Events.nik(1)))
            #expect(events.map(\.event.subjectSex) == ["F", "M"])
            #expect(events.allSatisfy { $0.event.subject?.utf8.count == 64 && $0.event.subjectAgeBand != nil })
        }
    }
}
