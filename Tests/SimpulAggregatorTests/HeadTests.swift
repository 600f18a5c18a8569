import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// `GET /v1/nodes/{node}/head`: a node reads its own head (signed request), never another node's.
@Suite struct HeadTests {
    @Test func aSignedHeadReadAnswersTheHeadTheLimitsAndASignedReceipt() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...2)
            let response = try await client.readHead(node: log.id, signer: log.key)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let head = try JSONDecoder().decode(HeadResponse.self, from: Data(buffer: response.body))
            #expect(head.node == log.id)
            #expect(head.seq == 2)
            #expect(head.hash == log.hashHex(2))
            #expect(head.state == .active)
            #expect(head.limits == AggregatorHarness.limits)
            #expect(head.receipt.isValidlySigned)
            #expect(head.receipt.aggregatorKey == h.aggregatorKey.publicKey.base64)
            #expect(head.receipt.seq == 2)
            #expect(head.receipt.hash == log.hashHex(2))
        }
    }

    @Test func aFreshNodesHeadIsSeq0AtTheGenesisHash() async throws {
        let log = try NodeLog.recorded(1)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            let response = try await client.readHead(node: log.id, signer: log.key)
            let head = try JSONDecoder().decode(HeadResponse.self, from: Data(buffer: response.body))
            #expect(head.seq == 0)
            #expect(head.hash == String(repeating: "0", count: 64))
            #expect(head.receipt.isValidlySigned)
        }
    }

    @Test func aHeadReadWithABadSignatureIsRefusedAs401AndNotRecordedAsSeen() async throws {
        let log = try NodeLog.recorded(1)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await h.expectRefusal(status: 401, type: "bad-signature") {
                try await client.readHead(node: log.id, signer: SigningKey())
            }
            var unsigned = Wire.headHeaders(node: log.id, signer: log.key)
            unsigned[Wire.signatureHeader] = nil
            try await h.expectRefusal(status: 401, type: "bad-signature") {
                try await client.execute(uri: "/v1/nodes/\(log.id)/head", method: .get, headers: unsigned)
            }
            // The signature covers the clock: another clock with the same signature fails.
            var replayed = Wire.headHeaders(node: log.id, signer: log.key)
            replayed[Wire.clockHeader] = "2020-01-01T00:00:00+07:00"
            try await h.expectRefusal(status: 401, type: "bad-signature") {
                try await client.execute(uri: "/v1/nodes/\(log.id)/head", method: .get, headers: replayed)
            }
            #expect(try await h.storage.node(log.id)?.lastSeenAt == nil)
        }
    }

    @Test func oneNodeCannotReadAnotherNodesHead() async throws {
        let a = try NodeLog.recorded(1, id: "35.07.01")
        let b = try NodeLog.recorded(2, id: "35.07.02")
        let h = try await AggregatorHarness.make(enrolling: [a, b])
        try await h.test { client in
            try await client.pushOK(b, 1...2)
            // A signs B's head message with its own key.
            let asB = try await client.readHead(node: b.id, signer: a.key)
            let problem = try expectProblem(asB, status: 401, type: "bad-signature")
            #expect(problem.head == nil)
            #expect(!String(buffer: asB.body).contains(b.hashHex(2)))
            // A sends its own valid head signature to B's URL.
            let own = Wire.headHeaders(node: a.id, signer: a.key)
            try expectProblem(try await client.execute(uri: "/v1/nodes/\(b.id)/head", method: .get, headers: own),
                              status: 401, type: "bad-signature")
        }
    }

    @Test func aHeadReadWithoutTheProtocolVersionIsRefusedAs400() async throws {
        let log = try NodeLog.recorded(1)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            for version: String? in [nil, "0", "2"] {
                try await h.expectRefusal(status: 400, type: "unsupported-protocol-version") {
                    try await client.execute(uri: "/v1/nodes/\(log.id)/head", method: .get,
                                             headers: Wire.headHeaders(node: log.id, signer: log.key, version: version))
                }
            }
        }
    }

    @Test func aRevokedNodeCannotReadItsHead() async throws {
        let log = try NodeLog.recorded(1)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            _ = try await h.storage.revokeNode(log.id, at: "2026-03-02T08:00:00+07:00")
            try await h.expectRefusal(status: 403, type: "node-revoked") { try await client.readHead(node: log.id, signer: log.key) }
        }
    }

    @Test func aHeadReadRecordsTheNodesClockSkew() async throws {
        let log = try NodeLog.recorded(1)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            let clock = RFC3339.format(Date().addingTimeInterval(3600))
            let counter = Wire.nextCounter()
            var headers = Wire.headHeaders(node: log.id, signer: log.key, counter: counter)
            headers[Wire.clockHeader] = clock
            headers[Wire.signatureHeader] = log.key.sign(HeadRequestSignature.message(node: log.id, clock: clock, counter: counter))
            let response = try await client.execute(uri: "/v1/nodes/\(log.id)/head", method: .get, headers: headers)
            #expect(response.status == .ok)
            let node = try #require(try await h.storage.node(log.id))
            let skew = try #require(node.clockSkewSeconds)
            #expect(abs(skew - 3600) < 5)
            #expect(node.state == .active)
        }
    }
}
