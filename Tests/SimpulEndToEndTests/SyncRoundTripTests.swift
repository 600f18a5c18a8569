import Foundation
import Testing

/// The main job, live: record -> `sync now` -> the aggregator holds exactly those events, byte for byte.
@Suite("Sync round trip (live)", .serialized)
struct SyncRoundTripTests {
    @Test("record -> sync -> the aggregator holds exactly those entries, byte for byte; a second sync sends nothing")
    func roundTrip() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            let ids = try await node.record(137)
            #expect(Set(ids).count == 137)

            let first = try await node.syncCompletely()
            #expect(first.status == "pushed")
            #expect(first.pushed == 137)
            #expect((first.batches ?? 0) == 3, "137 entries in batches of 50")
            #expect(first.headSeq == 137 && first.ackedSeq == 137)

            // Byte for byte, against node.db's log.bytes; seq 1...n; unique ids; both verifies pass.
            try await expectExactlyOnce(node, count: 137)
            // Each push said how much the node still had to send (87, 37, then 0): the province sees the queue emptied.
            let listed = try await cluster.runAdmin(["nodes", "list", "--json"])
            let nodes = try #require(try JSONSerialization.jsonObject(with: listed.stdout) as? [[String: Any]], "\(listed.summary)")
            #expect(nodes.first { $0["node_id"] as? String == node.id }?["reported_backlog"] as? Int == 0, "\(nodes)")

            // The aggregator holds exactly the recorded events (the ids `record` printed), in order.
            let output = try await cluster.eventsOutput(node.id)
            let array = try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
            #expect(array.compactMap { ($0["event"] as? [String: Any])?["id"] as? String } == ids)
            #expect(array.allSatisfy { $0["node"] as? String == node.id })
            // The NIK never travels: the stored entries carry a pseudonym only.
            #expect(!String(decoding: output, as: UTF8.self).contains(LiveEvents.nik(kecamatan: "35.07.01", index: 7)))

            // A second sync sends nothing and leaves the stored bytes as they were.
            let second = try await node.syncCompletely()
            #expect(second.status == "nothing_to_push")
            #expect(second.pushed == 0)
            #expect((second.batches ?? 0) == 0)
            #expect(try await cluster.eventsOutput(node.id) == output)

            // More events later: only those travel.
            try await node.record(20)
            let third = try await node.syncCompletely()
            #expect(third.pushed == 20)
            try await expectExactlyOnce(node, count: 157)

            let status = try await node.status()
            #expect(status["last_error"] is NSNull)
            #expect(status["last_sync_at"] is String)
        }
    }
}
