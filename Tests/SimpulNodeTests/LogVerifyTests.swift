import Foundation
import GRDB
import SimpulCore
import SimpulNode
import Testing

/// Ways a node.db can be damaged after the fact, and the seq `verify` must name first.
enum Damage: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case changedByteInLogBytes, changedStoredHash, deletedLogRow, deletedLogAndEventRows, swappedRows, editedEventRow,
         deletedEventRow, orphanEventRow, twoDamages

    var testDescription: String { rawValue }

    var firstBadSeq: Int64 {
        switch self {
        case .changedByteInLogBytes: 3
        case .changedStoredHash: 2
        case .deletedLogRow, .deletedLogAndEventRows: 3
        case .swappedRows: 3
        case .editedEventRow: 4
        case .deletedEventRow: 5
        case .orphanEventRow: 7
        case .twoDamages: 2
        }
    }

    func apply(to db: Database) throws {
        switch self {
        case .changedByteInLogBytes:
            try changeOfficer(db, seq: 3)
        case .changedStoredHash:
            try db.execute(sql: "UPDATE log SET hash = zeroblob(32) WHERE seq = 2")
        case .deletedLogRow:
            try db.execute(sql: "DELETE FROM log WHERE seq = 3")
        case .deletedLogAndEventRows:
            try db.execute(sql: "DELETE FROM events WHERE seq = 3")
            try db.execute(sql: "DELETE FROM log WHERE seq = 3")
        case .swappedRows:
            let rows = try Row.fetchAll(db, sql: "SELECT seq, bytes, hash FROM log WHERE seq IN (3, 4) ORDER BY seq")
            for (row, other) in zip(rows, rows.reversed()) {
                try db.execute(sql: "UPDATE log SET bytes = ?, hash = ? WHERE seq = ?",
                               arguments: [other["bytes"] as Data, other["hash"] as Data, row["seq"] as Int64])
            }
        case .editedEventRow:
            try db.execute(sql: "UPDATE events SET service = 'PATEN.P.IMB' WHERE seq = 4")
        case .deletedEventRow:
            try db.execute(sql: "DELETE FROM events WHERE seq = 5")
        case .orphanEventRow:
            try db.execute(sql: """
                INSERT INTO events(id, seq, kind, case_id, service, desa, occurred_at)
                VALUES ('0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b', 7, 'request.received', 'C1', 'ADM.KTPEL', '35.07.01.2001',
                        '2026-03-01T09:00:00+07:00')
                """)
        case .twoDamages:
            try changeOfficer(db, seq: 5)
            try db.execute(sql: "UPDATE events SET case_id = 'another-case' WHERE seq = 2")
        }
    }

    /// Changes one byte inside the entry ("ani" -> "anj") so the entry still decodes: only the hash can tell.
    private func changeOfficer(_ db: Database, seq: Int64) throws {
        var bytes = try #require(try Data.fetchOne(db, sql: "SELECT bytes FROM log WHERE seq = ?", arguments: [seq]))
        let range = try #require(bytes.range(of: Data(#""officer":"ani""#.utf8)))
        bytes[range.upperBound - 2] = UInt8(ascii: "j")
        try db.execute(sql: "UPDATE log SET bytes = ? WHERE seq = ?", arguments: [bytes, seq])
    }
}

@Suite("log verify")
struct LogVerifyTests {
    @Test("verify names the first bad seq of a damaged database", arguments: Damage.allCases)
    func catchesDamage(damage: Damage) throws {
        try withTestNode { node in
            _ = try node.recorder().importNDJSON(Events.ndjson((0..<6).map { Events.line($0) }))
            let before = try node.store().verify(node: "35.07.01")
            #expect(before.ok)
            #expect(before.entries == 6)
            #expect(before.firstBadSeq == nil)

            try node.rawDatabase(foreignKeys: false).write { db in try damage.apply(to: db) }

            let after = try node.store().verify(node: "35.07.01")
            #expect(!after.ok)
            #expect(after.firstBadSeq == damage.firstBadSeq)
            #expect(after.problem != nil)
            #expect(after.entries == damage.firstBadSeq - 1)
        }
    }

    @Test("verify refuses a log whose entries belong to another node")
    func otherNodeRefused() throws {
        try withTestNode { node in
            _ = try node.recorder().record(objects: [Events.object(0)])
            let result = try node.store().verify(node: "35.07.02")
            #expect(!result.ok)
            #expect(result.firstBadSeq == 1)
        }
    }

    @Test("an empty log verifies")
    func emptyLogVerifies() throws {
        try withTestNode { node in
            let result = try node.store().verify(node: "35.07.01")
            #expect(result.ok)
            #expect(result.entries == 0)
            #expect(result.headSeq == 0)
        }
    }
}

@Suite("Verify against the aggregator's acknowledgement")
struct AcknowledgedHashTests {
    @Test("a log re-chained after the aggregator acknowledged it fails verify at the acknowledged seq")
    func rechainedLogIsCaught() throws {
        try withTestNode { node in
            let recorder = try node.recorder()
            _ = try recorder.record(objects: (0..<4).map { Events.object($0) })
            let store = try node.store()
            let hash3 = try #require(try store.hash(at: 3))
            try store.recordAcknowledgedHead(seq: 3, hash: Hex.encode(hash3))
            #expect(try store.verify(node: "35.07.01").ok)
            // Someone rewrites the acknowledged entry's stored hash (as a full re-chain would change it).
            try node.rawDatabase().write { db in
                try db.execute(sql: "UPDATE sync_state SET acked_hash = ? WHERE id = 1", arguments: [String(repeating: "0", count: 64)])
            }
            let result = try store.verify(node: "35.07.01")
            #expect(!result.ok)
            #expect(result.firstBadSeq == 3)
        }
    }
}
