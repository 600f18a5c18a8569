import Foundation
import GRDB
import HummingbirdTesting
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// `simpul-aggregator verify`: anyone with the database and the enrolled keys can re-check every stored
/// chain and signed batch, and damage is named by node and seq.
@Suite struct StoredLogVerifierTests {
    @Test func everyStoredChainVerifiesAfterValidPushes() async throws {
        let a = try NodeLog.recorded(6, id: "35.07.01")
        let b = try NodeLog.recorded(2, id: "35.07.02")
        let idle = try NodeLog.recorded(0, id: "35.07.03")
        let h = try await AggregatorHarness.make(enrolling: [a, b, idle])
        try await h.test { client in
            try await client.pushOK(a, 1...2)
            try await client.pushOK(a, 2...4)  // overlapping
            try await client.pushOK(a, 5...6)
            try await client.pushOK(a, 5...6)  // repeated
            try await client.pushOK(b, 1...2)
            let results = try await StoredLogVerifier(storage: h.storage).verifyAll()
            #expect(results.map(\.node) == [a.id, b.id, idle.id])
            #expect(results.filter { !$0.ok }.isEmpty, "\(results)")
            #expect(results.map(\.entries) == [6, 2, 0])
            #expect(results.first?.batches == 3)
        }
    }

    @Test func aStoredEntryChangedInTheDatabaseIsNamedByNodeAndSeq() async throws {
        let a = try NodeLog.recorded(5, id: "35.07.01")
        let b = try NodeLog.recorded(2, id: "35.07.02")
        let h = try await AggregatorHarness.make(enrolling: [a, b])
        try await h.test { client in
            try await client.pushOK(a, 1...5)
            try await client.pushOK(b, 1...2)
            let text = String(decoding: a.entries[2].bytes, as: UTF8.self)
            let altered = Data(text.replacingOccurrences(of: #""officer":"Sari""#, with: #""officer":"Sary""#).utf8)
            #expect(altered != a.entries[2].bytes)
            #expect(try h.execute("UPDATE entries SET bytes = \(h.database.blobLiteral(altered)) WHERE node = '\(a.id)' AND seq = 3") == 1)
            let results = try await StoredLogVerifier(storage: h.storage).verifyAll()
            let bad = try #require(results.first { $0.node == a.id })
            #expect(!bad.ok)
            #expect(bad.firstBadSeq == 3)
            #expect(bad.problem?.isEmpty == false)
            #expect(results.first { $0.node == b.id }?.ok == true)
        }
    }

    @Test func aDeletedStoredEntryIsNamedByNodeAndSeq() async throws {
        let a = try NodeLog.recorded(4)
        let h = try await AggregatorHarness.make(enrolling: [a])
        try await h.test { client in
            try await client.pushOK(a, 1...4)
            #expect(try h.execute("DELETE FROM entries WHERE node = '\(a.id)' AND seq = 2") == 1)
            let result = try #require(try await StoredLogVerifier(storage: h.storage).verifyAll().first)
            #expect(!result.ok)
            #expect(result.node == a.id)
            #expect(result.firstBadSeq == 2)
        }
    }

    /// Hex digits may be upper case on the wire (`Hex.decode` accepts them). Whatever ingest does with such
    /// a batch, it must not store one that `verify` then reports as damaged.
    @Test func aBatchSignedWithUpperCaseHexHashesIsRefusedOrVerifiesLater() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            var header = log.header(1...2)
            header.lastHash = header.lastHash.uppercased()
            header.sign(with: log.key)
            let response = try await client.push(node: log.id, body: try header.body(entries: log.entries))
            if response.status == .ok {
                let results = try await StoredLogVerifier(storage: h.storage).verifyAll()
                #expect(results.filter { !$0.ok }.isEmpty, "accepted, then reported as damaged: \(results)")
            } else {
                #expect((400..<500).contains(response.status.code))
                #expect(try h.entryCount() == 0)
            }
        }
    }
}
