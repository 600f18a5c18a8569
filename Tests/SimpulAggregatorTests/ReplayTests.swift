import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// A replayed request changes nothing: a signed read carries a counter the aggregator accepts once, increasing; a
/// replayed push stores nothing and leaves last-seen and skew alone.
@Suite struct ReplayTests {
    @Test func aReplayedHeadReadIsRefusedAndMovesNothing() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            let headers = Wire.headHeaders(node: log.id, signer: log.key)
            #expect(try await client.execute(uri: "/v1/nodes/\(log.id)/head", method: .get, headers: headers).status == .ok)
            let seen = try await h.storage.node(log.id)?.lastSeenAt
            try await Task.sleep(for: .milliseconds(20))
            let replay = try await client.execute(uri: "/v1/nodes/\(log.id)/head", method: .get, headers: headers)
            #expect(replay.status.code == 409)
            let problem = try jsonObject(replay)
            #expect(problem["type"] as? String == "stale-counter" && problem["seq"] != nil)
            #expect(try await h.storage.node(log.id)?.lastSeenAt == seen, "a replayed read moved last-seen")
            // A lower counter (a node restored from a backup) is refused the same way; a higher one is accepted.
            let lower = Wire.headHeaders(node: log.id, signer: log.key, counter: 5)
            #expect(try await client.execute(uri: "/v1/nodes/\(log.id)/head", method: .get, headers: lower).status.code == 409)
            #expect(try await client.execute(uri: "/v1/nodes/\(log.id)/head", method: .get,
                                             headers: Wire.headHeaders(node: log.id, signer: log.key)).status == .ok)
            // Without a counter: a malformed request.
            var none = Wire.headHeaders(node: log.id, signer: log.key)
            none[Wire.counterHeader] = nil
            #expect(try await client.execute(uri: "/v1/nodes/\(log.id)/head", method: .get, headers: none).status == .badRequest)
        }
    }

    @Test func aReplayedPushStoresNothingAndLeavesLastSeenAndSkewAlone() async throws {
        let log = try NodeLog.recorded(3)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...3)
            let before = try #require(try await h.storage.node(log.id))
            try await Task.sleep(for: .milliseconds(20))
            var headers = Wire.pushHeaders(gzip: false)
            headers[Wire.clockHeader] = "2030-01-01T00:00:00+07:00"  // a replayer's chosen clock
            let replay = try await client.push(node: log.id, body: try log.body(1...3), headers: headers)
            #expect(replay.status == .ok)
            let after = try #require(try await h.storage.node(log.id))
            #expect(after.lastSeenAt == before.lastSeenAt && after.clockSkewSeconds == before.clockSkewSeconds)
            #expect(try h.entryCount() == 3)
        }
    }

    @Test func thePushSignatureCoversTheClockAndTheSkewComesFromIt() async throws {
        let log = try NodeLog.recorded(4)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            // A relay that moves the signed header's clock (to make a dead PC's skew look right) breaks the signature.
            var moved = log.header(1...2)
            moved.clock = "2026-12-02T09:00:00+07:00"
            let forged = try moved.body(entries: log.slice(1...2))
            let refused = try await client.push(node: log.id, body: forged)
            try expectProblem(refused, status: 401, type: "bad-signature")
            let unseen = try await h.storage.node(log.id)?.lastSeenAt
            #expect(try h.entryCount() == 0 && unseen == nil)
            // The skew recorded is the signed header's (2026-03-01, months back), whatever Simpul-Clock says.
            var headers = Wire.pushHeaders(gzip: false)
            headers[Wire.clockHeader] = RFC3339.format(Date())
            #expect(try await client.push(node: log.id, body: try log.body(1...2), headers: headers).status == .ok)
            let skew = try #require(try await h.storage.node(log.id)?.clockSkewSeconds)
            #expect(skew < -86_400 * 30, "the skew \(skew) s was not taken from the signed clock")
        }
    }
}
