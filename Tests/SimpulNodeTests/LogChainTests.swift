import Foundation
import GRDB
import SimpulCore
import SimpulNode
import Testing

@Suite("The node's hash-chained log")
struct LogChainTests {
    @Test("appends in several batches give seq 1...n without gaps, each hash chaining the previous one")
    func chainContinuity() throws {
        try withTestNode { node in
            var appended = [AppendedEntry]()
            do {
                let recorder = try node.recorder()
                for i in 0..<3 { appended += try recorder.record(objects: [Events.object(i)]) }
                appended += try recorder.importNDJSON(Events.ndjson((3..<13).map { Events.line($0) }))
                appended += try recorder.record(objects: (13..<18).map { Events.object($0, nik: false) })
            }
            #expect(appended.map(\.seq) == Array(1...18))
            #expect(Set(appended.map(\.id)).count == 18)

            let rows = try node.rawDatabase().read { db in
                try Row.fetchAll(db, sql: "SELECT seq, bytes, hash FROM log ORDER BY seq")
            }
            #expect(rows.map { $0["seq"] as Int64 } == Array(1...18))
            var previous = ChainHash.genesis
            for (row, entry) in zip(rows, appended) {
                let bytes: Data = row["bytes"]
                let hash: Data = row["hash"]
                #expect(hash == ChainHash.next(previous: previous, entry: bytes), "seq \(entry.seq)")
                let content = try LogEntry(seq: row["seq"], bytes: bytes).decode()
                #expect(content.seq == entry.seq)
                #expect(content.node == "35.07.01")
                #expect(content.event.id == entry.id)
                previous = hash
            }
            let eventSeqs = try node.rawDatabase().read { db in
                try Int64.fetchAll(db, sql: "SELECT seq FROM events ORDER BY seq")
            }
            #expect(eventSeqs == Array(1...18))

            let store = try node.store()
            let head = try store.head()
            #expect(head.seq == 18)
            #expect(head.hash == previous)
            let verification = try store.verify(node: "35.07.01")
            #expect(verification.ok)
            #expect(verification.entries == 18)
            #expect(verification.headHash == Hex.encode(previous))
        }
    }

    @Test("entries(after:) returns the next entries in order with their hashes, bounded by count and bytes")
    func entriesAfter() throws {
        try withTestNode { node in
            _ = try node.recorder().importNDJSON(Events.ndjson((0..<10).map { Events.line($0) }))
            let store = try node.store()
            let four = try store.entries(after: 3, maxCount: 4, maxBytes: 1 << 20)
            #expect(four.map(\.entry.seq) == [4, 5, 6, 7])
            #expect(four.first?.hash == ChainHash.next(previous: try #require(try store.hash(at: 3)), entry: four[0].entry.bytes))
            #expect(try store.entries(after: 8, maxCount: 100, maxBytes: 1 << 20).map(\.entry.seq) == [9, 10])
            #expect(try store.entries(after: 10, maxCount: 100, maxBytes: 1 << 20).isEmpty)
            let one = try store.entries(after: 0, maxCount: 100, maxBytes: 1)
            #expect(one.map(\.entry.seq) == [1])  // the first entry always goes, so a batch never stalls
            let size = one[0].entry.bytes.count
            #expect(try store.entries(after: 0, maxCount: 100, maxBytes: size * 3 + size / 2).count == 3)
        }
    }

    @Test("HLC stamps stay monotonic when the wall clock jumps back a day, also across a reopen")
    func hlcMonotonicInStore() throws {
        try withTestNode { node in
            let t0: Int64 = 1_788_000_000_000
            let day: Int64 = 86_400_000
            func prepared(_ range: Range<Int>) throws -> [PreparedEvent] {
                try range.map { try PreparedEvent(Fixture.event($0)) }
            }
            do {
                let store = try node.store()
                _ = try store.append(try prepared(0..<3), node: "35.07.01", wallMillis: { t0 })
                _ = try store.append(try prepared(3..<6), node: "35.07.01", wallMillis: { t0 - day })
            }
            do {
                let store = try node.store()  // a restart: the clock is restored from the newest entry
                _ = try store.append(try prepared(6..<9), node: "35.07.01", wallMillis: { t0 - 2 * day })
                #expect(try store.verify(node: "35.07.01").ok)
            }
            let stamps = try node.rawDatabase().read { db in
                try Int64.fetchAll(db, sql: "SELECT hlc FROM log ORDER BY seq")
            }
            #expect(stamps.count == 9)
            for (a, b) in zip(stamps, stamps.dropFirst()) {
                #expect(a < b, "\(HLCTimestamp(packed: a)) then \(HLCTimestamp(packed: b))")
            }
            #expect(HLCTimestamp(packed: stamps[0]).millis == t0)
        }
    }

    @Test("the same event id is never stored twice, and clients cannot choose ids")
    func duplicateIDRefused() throws {
        try withTestNode { node in
            let recorder = try node.recorder()
            var object = Events.object(0)
            object["id"] = .string("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b")
            let refused = try #require(throws: NodeError.self) { try recorder.record(objects: [object]) }
            #expect(refused.message.contains("'id'"))
            // The store refuses an event it already holds, whatever the input path.
            let event = try recorder.builder.build(object: Events.object(1), now: Date())
            _ = try node.store().append([try PreparedEvent(event)], node: "35.07.01")
            let error = try #require(throws: NodeError.self) {
                try node.store().append([try PreparedEvent(recorder.builder.build(object: Events.object(2), now: Date())), try PreparedEvent(event)], node: "35.07.01")
            }
            #expect(error.code == .invalidEvent)
            #expect(error.message.contains(event.id))
            #expect(try node.store().head().seq == 1)
        }
    }
}

enum Fixture {
    static let builder = EventBuilder(rules: EventRules(), pseudonymizer: nil)

    static func event(_ index: Int) throws -> Event {
        try builder.build(object: Events.object(index, nik: false), now: Date())
    }
}
