import Foundation
import GRDB
import HummingbirdTesting
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// A different entry at a stored seq is a fork: refused with 409, recorded, shown, never overwritten,
/// and the node's later pushes are refused until a person resolves it.
@Suite struct ForkTests {
    /// The office restored a backup holding only seq 1 and then recorded new events, so its seq 2... differ.
    static func forkedPair() throws -> (original: NodeLog, restored: NodeLog) {
        let original = try NodeLog.recorded(4)
        var restored = NodeLog(id: original.id, key: original.key)
        restored.append(bytes: original.entries[0].bytes)
        try restored.record(3)
        return (original, restored)
    }

    @Test func aDifferentEntryAtAStoredSeqIsRefusedAs409ForkRecordedAndNeverOverwritten() async throws {
        let (original, restored) = try Self.forkedPair()
        #expect(original.entries[1] != restored.entries[1])
        let h = try await AggregatorHarness.make(enrolling: [original])
        try await h.test { client in
            try await client.pushOK(original, 1...3)
            let before = try h.snapshot()

            let response = try await client.push(node: restored.id, body: try restored.body(2...4), gzip: true)
            let problem = try expectProblem(response, status: 409, type: "fork")
            #expect(problem.seq == 2)
            #expect(problem.head == Problem.Head(seq: 3, hash: original.hashHex(3)))
            let object = try jsonObject(response)
            #expect((object["head"] as? [String: Any])?["seq"] as? Int == 3)

            // Stored entries and head untouched, byte for byte.
            let after = try h.snapshot()
            #expect(after.entries == before.entries)
            #expect(try await h.storedEntries(original.id).map(\.bytes) == original.slice(1...3).map(\.bytes))
            #expect(try await h.head(original.id)! == (3, original.hashHex(3)))
            #expect(after.batches == before.batches)

            // Recorded for inspection: what was stored and what was offered instead.
            let hex = h.database.hexFunction
            let forks = try h.rows("SELECT node, CAST(seq AS TEXT), stored_hash, offered_hash, \(hex)(offered_bytes), header FROM forks")
            #expect(forks.count == 1)
            let fork = try #require(forks.first)
            #expect(fork[0] == original.id)
            #expect(fork[1] == "2")
            #expect(fork[2] == original.hashHex(2))
            #expect(fork[3] == restored.hashHex(2))
            #expect(fork[4] == Hex.encode(restored.entries[1].bytes).uppercased())
            let offeredHeader = try JSONDecoder().decode(PushHeader.self, from: Data((fork[5] ?? "").utf8))
            var expected = restored.header(2...4)
            expected.signature = offeredHeader.signature
            #expect(offeredHeader == expected)
            #expect(restored.key.publicKey.isValid(signature: offeredHeader.signature, for: offeredHeader.signedMessage))

            // Shown: nodes list says forked at seq 2.
            let node = try #require(try await h.storage.listNodes().first { $0.id == original.id })
            #expect(node.state == .forked)
            #expect(node.forkSeq == 2)
            let listed = try JSONSerialization.jsonObject(with: JSONEncoder().encode(node)) as? [String: Any]
            #expect(listed?["state"] as? String == "forked")
            #expect(listed?["fork_seq"] as? Int == 2)
        }
    }

    @Test func aForkedNodesLaterPushesAreRefusedEvenWhenTheyWouldLink() async throws {
        let (original, restored) = try Self.forkedPair()
        let h = try await AggregatorHarness.make(enrolling: [original])
        try await h.test { client in
            try await client.pushOK(original, 1...3)
            try expectProblem(try await client.push(node: restored.id, body: try restored.body(2...4)), status: 409, type: "fork")
            // Seq 4 of the original log links to the stored head, but the node is forked now.
            let problem = try await h.expectRefusal(status: 409, type: "fork") {
                try await client.push(node: original.id, body: try original.body(4...4))
            }
            #expect(problem.seq == 2)
            #expect(problem.head == Problem.Head(seq: 3, hash: original.hashHex(3)))
            // Even re-sending what is stored gets the fork, not a receipt.
            try await h.expectRefusal(status: 409, type: "fork") { try await client.push(node: original.id, body: try original.body(1...3)) }
            #expect(try h.entryCount() == 3)

            // The head read and the dashboard show the state.
            let head = try await client.readHead(node: original.id, signer: original.key)
            #expect(head.status == .ok)
            let decoded = try JSONDecoder().decode(HeadResponse.self, from: Data(buffer: head.body))
            #expect(decoded.state == .forked)
            #expect(decoded.seq == 3)
            let dashboard = try await client.execute(uri: "/?lang=en", method: .get)
            #expect(String(buffer: dashboard.body).contains("forked at seq 2"))
            let indonesian = try await client.execute(uri: "/", method: .get)
            #expect(String(buffer: indonesian.body).contains("bercabang pada seq 2"))
        }
    }

    @Test func aBatchWhosePrevHashDiffersFromTheStoredHeadIsAForkAtThePreviousSeq() async throws {
        let original = try NodeLog.recorded(3)
        // Restored with seq 1-2, then recorded a different seq 3 and a seq 4.
        var restored = NodeLog(id: original.id, key: original.key)
        for entry in original.slice(1...2) { restored.append(bytes: entry.bytes) }
        try restored.record(2)
        let other = restored
        let h = try await AggregatorHarness.make(enrolling: [original])
        try await h.test { client in
            try await client.pushOK(original, 1...3)
            let before = try h.snapshot()
            // Seq 4 alone: it follows the head by number, but chains from a seq 3 the aggregator does not hold.
            let problem = try expectProblem(try await client.push(node: other.id, body: try other.body(4...4)), status: 409, type: "fork")
            #expect(problem.seq == 3)
            let after = try h.snapshot()
            #expect(after.entries == before.entries)
            #expect(after.forks == before.forks + 1)
            #expect(try await h.storage.node(original.id)?.forkSeq == 3)
        }
    }
}
