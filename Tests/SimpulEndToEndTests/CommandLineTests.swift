import Foundation
import GRDB
import Testing

@Suite("The simpul command")
struct CommandLineTests {
    @Test("log verify exits 6 naming the first bad seq after a byte of the log is changed")
    func verifyNamesBadSeq() async throws {
        let node = try await CLINode.make()
        defer { node.remove() }
        let file = node.dir + "/in.ndjson"
        try EventFile.write((0..<5).map(EventFile.line), to: file)
        #expect(try await node.run(["record", "--file", file]).status == 0)
        #expect(try await node.run(["log", "verify"]).status == 0)

        let dbQueue = try DatabaseQueue(path: node.database)
        try await dbQueue.write { db in
            var bytes = try #require(try Data.fetchOne(db, sql: "SELECT bytes FROM log WHERE seq = 3"))
            let officer = try #require(bytes.range(of: Data(#""officer":"ani""#.utf8)))
            bytes[officer.upperBound - 2] = UInt8(ascii: "j")
            try db.execute(sql: "UPDATE log SET bytes = ? WHERE seq = 3", arguments: [bytes])
        }
        try dbQueue.close()

        let result = try await node.run(["log", "verify"])
        #expect(result.status == 6)
        #expect(result.stderr.contains("seq 3"), "\(result.stderr)")
    }

    @Test("record --file with an invalid line 57 exits 2, names the line and field, and stores nothing")
    func recordFileAllOrNothing() async throws {
        let node = try await CLINode.make()
        defer { node.remove() }
        var lines = (0..<100).map(EventFile.line)
        lines[56] = lines[56].replacingOccurrences(of: "\"nik\":\"\(EventFile.nik(56))\"", with: "\"nik\":\"3507014509900000\"")
        #expect(lines[56].contains("3507014509900000"))
        let file = node.dir + "/in.ndjson"
        try EventFile.write(lines, to: file)

        let result = try await node.run(["record", "--file", file])
        #expect(result.status == 2)
        #expect(result.stderr.contains("line 57"), "\(result.stderr)")
        #expect(result.stderr.contains("'nik'"), "\(result.stderr)")
        #expect(!result.stderr.contains("3507014509900000"))
        #expect(result.stdout.isEmpty)
        #expect(try await node.events().isEmpty)
        #expect((try await node.status()["head_seq"] as? NSNumber)?.intValue == 0)
    }

    @Test("record refuses free text over its byte limit (combining marks, emoji), NUL, control characters and invalid UTF-8; nothing is stored")
    func recordByteLimits() async throws {
        let node = try await CLINode.make()
        defer { node.remove() }
        let flags = ["record", "--kind", "request.received", "--service", "ADM.KTPEL", "--desa", "35.07.01.2001", "--officer"]
        // One visible letter and 100 combining marks passes a character count, not the 64-byte limit.
        for officer in ["a" + String(repeating: "\u{0301}", count: 100), String(repeating: "😀", count: 17), "Sari\u{1B}[31m"] {
            let result = try await node.run(flags + [officer])
            #expect(result.status == 2, "\(officer.utf8.count) bytes: \(result.stderr)")
            #expect(result.stderr.contains("officer"), "\(result.stderr)")
            #expect(result.stderr.utf8.count < 2000, "the error echoes the whole value")
        }
        #expect(try await node.run(flags + [String(repeating: "😀", count: 16)]).status == 0, "64 bytes of emoji are within the limit")

        let file = node.dir + "/bad.ndjson"
        let good = EventFile.line(1)
        // NUL by JSON escape, then raw bytes that are not UTF-8.
        try Data((good + "\n" + good.replacingOccurrences(of: #""officer":"ani""#, with: #""officer":"a\u0000ni""#) + "\n").utf8)
            .write(to: URL(fileURLWithPath: file))
        var result = try await node.run(["record", "--file", file])
        #expect(result.status == 2 && result.stderr.contains("line 2") && result.stderr.contains("NUL"), "\(result.stderr)")
        let halves = good.components(separatedBy: #""officer":"ani""#)
        #expect(halves.count == 2)
        var bytes = Data((good + "\n" + halves[0] + #""officer":"a"#).utf8)
        bytes.append(contentsOf: [0xC3, 0x28])
        bytes.append(Data((#"ni""# + halves[1] + "\n").utf8))
        try bytes.write(to: URL(fileURLWithPath: file))
        result = try await node.run(["record", "--file", file])
        #expect(result.status == 2 && result.stderr.contains("line 2") && result.stderr.contains("UTF-8"), "\(result.stderr)")
        #expect((try await node.status()["head_seq"] as? NSNumber)?.intValue == 1, "only the one valid --officer event is stored")
    }

    @Test("record with flags prints one id, and no output or file holds the NIK")
    func recordFlagsNoNIK() async throws {
        let node = try await CLINode.make()
        defer { node.remove() }
        let nik = "3507014509900001"
        let result = try await node.run([
            "record", "--kind", "request.received", "--service", "ADM.KTPEL", "--desa", "35.07.01.2001", "--nik", nik,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let ids = result.stdoutText.printedIDs
        #expect(ids.count == 1)
        let events = try await node.events()
        #expect(events.map(\.id) == ids)
        let listing = try await node.run(["events", "--json"])
        let status = try await node.run(["status", "--json"])
        for output in [result.stdoutText, result.stderr, listing.stdoutText, listing.stderr, status.stdoutText] {
            #expect(!output.contains(nik))
        }
        #expect(listing.stdoutText.contains("\"subject_sex\" : \"F\""))
    }

    @Test("status --json has every field scripts rely on")
    func statusFields() async throws {
        let node = try await CLINode.make()
        defer { node.remove() }
        let status = try await node.status()
        for key in ["node_id", "public_key", "head_seq", "acked_seq", "backlog", "last_sync_at", "last_error", "daemon"] {
            #expect(status.keys.contains(key), "missing \(key)")
        }
        #expect(status["node_id"] as? String == "35.07.01")
        #expect(status["daemon"] as? String == "stopped")
    }

    @Test("init refuses to set up a node over an existing one")
    func initRefusesOverwrite() async throws {
        let node = try await CLINode.make()
        defer { node.remove() }
        let before = FileManager.default.contents(atPath: node.dir + "/data/node.key")
        let again = try await CLI.run(
            ["init", "--node-id", "35.07.01", "--aggregator", "http://127.0.0.1:9", "--data-dir", node.dir + "/data", "--config", node.config],
            in: node.dir)
        #expect(again.status != 0)
        #expect(FileManager.default.contents(atPath: node.dir + "/data/node.key") == before)
    }
}
