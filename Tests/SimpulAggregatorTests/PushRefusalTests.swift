import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// Promise 4: bad input gets its 4xx with a JSON problem body and changes nothing. Each test stores a
/// first batch, so "nothing changed" also covers an existing head; `expectRefusal` compares every
/// table and head before and after.
@Suite struct PushRefusalTests {
    // MARK: Malformed bodies

    @Test func aHeaderLineThatIsNotJSONIsRefusedAs400MalformedBody() async throws {
        let log = try NodeLog.recorded(3)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...1)
            var body = Data(#"{"protocol":1,"node":"35.07.01","from_seq":2,"#.utf8)
            for entry in log.slice(2...3) { body.append(0x0a); body.append(entry.bytes) }
            try await h.expectRefusal(status: 400, type: "malformed-body") { try await client.push(node: log.id, body: body) }
            try await h.expectRefusal(status: 400, type: "malformed-body") { try await client.push(node: log.id, body: body, gzip: true) }
        }
    }

    @Test func anEmptyBodyIsRefusedAs400MalformedBody() async throws {
        let log = try NodeLog.recorded(1)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await h.expectRefusal(status: 400, type: "malformed-body") { try await client.push(node: log.id, body: Data()) }
        }
    }

    @Test func aHeaderWhoseRangeDoesNotMatchTheEntriesSentIsRefusedAs400() async throws {
        let log = try NodeLog.recorded(3)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            // Signed for 1-3, but only two entries follow.
            let body = try log.header(1...3).body(entries: log.slice(1...2))
            try await h.expectRefusal(status: 400, type: "malformed-body") { try await client.push(node: log.id, body: body) }
        }
    }

    @Test func aTruncatedGzipBodyIsRefusedAs400MalformedBody() async throws {
        let log = try NodeLog.recorded(4)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...1)
            let gz = Gzip.compress(try log.body(2...4))
            let cut = gz.prefix(gz.count / 2)
            let problem = try await h.expectRefusal(status: 400, type: "malformed-body") {
                try await client.execute(uri: "/v1/nodes/\(log.id)/push", method: .post,
                                         headers: Wire.pushHeaders(gzip: true), body: ByteBuffer(bytes: cut))
            }
            #expect(problem.detail.contains("truncated"))
            // Without Content-Encoding the gzip magic is recognised, and the truncation still refused.
            try await h.expectRefusal(status: 400, type: "malformed-body") {
                try await client.execute(uri: "/v1/nodes/\(log.id)/push", method: .post,
                                         headers: Wire.pushHeaders(), body: ByteBuffer(bytes: cut))
            }
        }
    }

    @Test func anUnsupportedContentEncodingIsRefusedAs415() async throws {
        let log = try NodeLog.recorded(1)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            var headers = Wire.pushHeaders()
            headers[.contentEncoding] = "br"
            try await h.expectRefusal(status: 415, type: "unsupported-encoding") {
                try await client.push(node: log.id, body: try log.body(1...1), headers: headers)
            }
        }
    }

    // MARK: Limits

    @Test func aBodyOverMaxBodyBytesIsRefusedAs413() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...1)
            var body = try log.body(2...2)
            body.append(Data(repeating: UInt8(ascii: " "), count: AggregatorHarness.limits.maxBodyBytes))
            #expect(body.count > AggregatorHarness.limits.maxBodyBytes)
            let problem = try await h.expectRefusal(status: 413, type: "too-large") { try await client.push(node: log.id, body: body) }
            #expect(problem.detail.contains("\(AggregatorHarness.limits.maxBodyBytes)"))
        }
    }

    @Test func aGzipBombOverMaxDecompressedBytesIsRefusedAs413() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...1)
            var body = try log.body(2...2)
            body.append(0x0a)
            body.append(Data(repeating: UInt8(ascii: " "), count: 4 * AggregatorHarness.limits.maxDecompressedBytes))
            let bomb = Gzip.compress(body)
            #expect(bomb.count < AggregatorHarness.limits.maxBodyBytes, "the bomb itself is small")
            let problem = try await h.expectRefusal(status: 413, type: "too-large") {
                try await client.execute(uri: "/v1/nodes/\(log.id)/push", method: .post,
                                         headers: Wire.pushHeaders(gzip: true), body: ByteBuffer(bytes: bomb))
            }
            #expect(problem.detail.contains("decompresses") || problem.detail.contains("inflates to more than"), "\(problem.detail)")
        }
    }

    @Test func aBatchWithMoreThanMaxEntriesIsRefusedAs413() async throws {
        let count = AggregatorHarness.limits.maxEntries + 1
        let log = try NodeLog.recorded(count)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await h.expectRefusal(status: 413, type: "too-large") {
                try await client.push(node: log.id, body: try log.body(1...Int64(count)), gzip: true)
            }
            // The same entries in two batches within the limit are accepted.
            try await client.pushOK(log, 1...Int64(count - 1))
            try await client.pushOK(log, Int64(count)...Int64(count))
            #expect(try h.entryCount() == count)
        }
    }

    @Test func anEntryOverMaxEntryBytesIsRefusedAs413NamingItsSeq() async throws {
        var log = try NodeLog.recorded(1)
        var attrs = [String: JSONValue]()
        for i in 0..<20 { attrs["note_\(i)"] = .string(String(repeating: "x", count: 250)) }
        // The node refuses attrs this large when it records; a misbehaving node could still send them.
        var event = try NodeLog.builder.build(object: NodeLog.request([:]), now: NodeLog.now)
        event.attrs = attrs
        log.append(eventJSON: try event.canonicalJSON())
        let big = log
        #expect(big.entries[1].bytes.count > AggregatorHarness.limits.maxEntryBytes)
        let h = try await AggregatorHarness.make(enrolling: [big])
        try await h.test { client in
            try await client.pushOK(big, 1...1)
            let problem = try await h.expectRefusal(status: 413, type: "too-large") {
                try await client.push(node: big.id, body: try big.body(2...2), gzip: true)
            }
            #expect(problem.detail.contains("seq 2"))
        }
    }

    // MARK: Who is pushing

    @Test func aNodeThatIsNotEnrolledIsRefusedAs403() async throws {
        let enrolled = try NodeLog.recorded(1)
        let stranger = try NodeLog.recorded(1, id: "35.07.02")
        let h = try await AggregatorHarness.make(enrolling: [enrolled])
        try await h.test { client in
            try await client.pushOK(enrolled, 1...1)
            try await h.expectRefusal(status: 403, type: "unknown-node") {
                try await client.push(node: stranger.id, body: try stranger.body(1...1))
            }
            #expect(try await h.storage.node(stranger.id) == nil)
        }
    }

    @Test func aRevokedNodeIsRefusedAs403() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...1)
            #expect(try await h.storage.revokeNode(log.id, at: "2026-03-02T08:00:00+07:00"))
            let problem = try await h.expectRefusal(status: 403, type: "node-revoked") {
                try await client.push(node: log.id, body: try log.body(2...2))
            }
            #expect(problem.detail.contains("2026-03-02T08:00:00+07:00"))
            // Re-sending what is already stored is refused too: a revoked node gets no receipt.
            try await h.expectRefusal(status: 403, type: "node-revoked") { try await client.push(node: log.id, body: try log.body(1...1)) }
        }
    }

    @Test func aBatchSignedWithAnotherKeyIsRefusedAs401() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...1)
            try await h.expectRefusal(status: 401, type: "bad-signature") {
                try await client.push(node: log.id, body: try log.body(2...2, signer: SigningKey()))
            }
            var garbage = log.header(2...2)
            garbage.signature = "not a signature"
            try await h.expectRefusal(status: 401, type: "bad-signature") {
                try await client.push(node: log.id, body: try garbage.body(entries: log.slice(2...2)))
            }
            // A valid signature over other values (here: another last_hash) does not carry over.
            var moved = log.header(2...2)
            moved.lastHash = log.hashHex(1)
            try await h.expectRefusal(status: 401, type: "bad-signature") {
                try await client.push(node: log.id, body: try moved.body(entries: log.slice(2...2)))
            }
        }
    }

    @Test func nodeACannotPushEntriesAsNodeBWithItsOwnKey() async throws {
        let a = try NodeLog.recorded(1, id: "35.07.01")
        let b = try NodeLog.recorded(1, id: "35.07.02")
        // A builds B's log (B's id in the path, the header and every entry) but can only sign with A's key.
        let forged = try NodeLog.recorded(2, id: b.id, key: a.key)
        let h = try await AggregatorHarness.make(enrolling: [a, b])
        try await h.test { client in
            try await client.pushOK(b, 1...1)
            try await h.expectRefusal(status: 401, type: "bad-signature") {
                try await client.push(node: b.id, body: try forged.body(1...2))
            }
            try await h.expectRefusal(status: 401, type: "bad-signature") {
                try await client.push(node: b.id, body: try forged.body(2...2))
            }
            #expect(try h.entryCount(node: b.id) == 1)
        }
    }

    @Test func nodeACannotSendItsOwnSignedBatchToNodeBsURL() async throws {
        let a = try NodeLog.recorded(1, id: "35.07.01")
        let b = try NodeLog.recorded(1, id: "35.07.02")
        let h = try await AggregatorHarness.make(enrolling: [a, b])
        try await h.test { client in
            try await h.expectRefusal(status: 403, type: "node-mismatch") {
                try await client.push(node: b.id, body: try a.body(1...1))
            }
        }
    }

    @Test func entriesNamingAnotherNodeInsideASignedBatchAreRefusedAs422() async throws {
        let a = try NodeLog.recorded(1, id: "35.07.01")
        let b = try NodeLog.recorded(1, id: "35.07.02")
        // A's header, A's path, A's signature, but the entry bytes say node B.
        var mixed = a
        mixed.append(eventJSON: try NodeLog.validEventJSON(["desa": .string("35.07.02.2001")]), entryNode: b.id)
        let batch = mixed
        let h = try await AggregatorHarness.make(enrolling: [a, b])
        try await h.test { client in
            try await client.pushOK(a, 1...1)
            let problem = try await h.expectRefusal(status: 422, type: "invalid-entry") {
                try await client.push(node: a.id, body: try batch.body(2...2))
            }
            #expect(problem.seq == 2)
            #expect(problem.detail.contains(b.id))
            #expect(try h.entryCount(node: b.id) == 0)
        }
    }

    // MARK: The chain

    @Test func anEntryChangedAfterSigningIsRefusedAs422BrokenHash() async throws {
        let log = try NodeLog.recorded(3)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...1)
            let header = log.header(2...3)
            var entries = log.slice(2...3)
            let text = String(decoding: entries[0].bytes, as: UTF8.self)
            #expect(text.contains(#""officer":"Sari""#))
            entries[0].bytes = Data(text.replacingOccurrences(of: #""officer":"Sari""#, with: #""officer":"Sary""#).utf8)
            try await h.expectRefusal(status: 422, type: "broken-hash") {
                try await client.push(node: log.id, body: try header.body(entries: entries), gzip: true)
            }
        }
    }

    @Test func aBatchStartingBeyondTheHeadIsRefusedAs409GapWithTheHead() async throws {
        let log = try NodeLog.recorded(6)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...3)
            let problem = try await h.expectRefusal(status: 409, type: "gap") {
                try await client.push(node: log.id, body: try log.body(5...6))
            }
            #expect(problem.head == Problem.Head(seq: 3, hash: log.hashHex(3)))
            #expect(problem.seq == 4)
            let object = try jsonObject(try await client.push(node: log.id, body: try log.body(5...6)))
            let head = try #require(object["head"] as? [String: Any])
            #expect(head["seq"] as? Int == 3)
            #expect(head["hash"] as? String == log.hashHex(3))
            // Resending from the head the problem named closes the gap.
            try await client.pushOK(log, 4...6)
            #expect(try await h.head(log.id)?.seq == 6)
        }
    }

    @Test func aFirstBatchThatDoesNotStartAtSeq1IsAGapAtHead0() async throws {
        let log = try NodeLog.recorded(3)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            let problem = try await h.expectRefusal(status: 409, type: "gap") {
                try await client.push(node: log.id, body: try log.body(2...3))
            }
            #expect(problem.head == Problem.Head(seq: 0, hash: Hex.encode(ChainHash.genesis)))
        }
    }

    /// A batch at seq 1 must chain from the genesis hash; a signed batch whose `prev_hash` is something else
    /// would store a chain that `verify` then reports as damaged.
    @Test func aBatchAtSeq1WhosePrevHashIsNotGenesisIsRefused() async throws {
        let key = SigningKey()
        let log = try NodeLog.recorded(2, key: key)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            // The same events chained from a non-zero prev_hash, consistently signed.
            let bogusPrev = Data(repeating: 0xab, count: 32)
            var hash = bogusPrev
            for entry in log.entries { hash = ChainHash.next(previous: hash, entry: entry.bytes) }
            var header = PushHeader(node: log.id, fromSeq: 1, toSeq: 2, prevHash: Hex.encode(bogusPrev), lastHash: Hex.encode(hash),
                                    clock: "2026-03-01T09:00:00+07:00")
            header.sign(with: key)
            let before = try h.snapshot()
            let response = try await client.push(node: log.id, body: try header.body(entries: log.entries))
            #expect((400..<500).contains(response.status.code), "accepted a chain not rooted at genesis: \(String(buffer: response.body))")
            #expect(try h.snapshot() == before)
        }
    }

    // MARK: Versions

    @Test func anUnknownProtocolVersionInTheHTTPHeaderIsRefusedAs400() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...1)
            let problem = try await h.expectRefusal(status: 400, type: "unsupported-protocol-version") {
                try await client.push(node: log.id, body: try log.body(2...2), headers: Wire.pushHeaders(version: "2"))
            }
            #expect(problem.detail.contains("'2'"))
            try await h.expectRefusal(status: 400, type: "unsupported-protocol-version") {
                try await client.push(node: log.id, body: try log.body(2...2), headers: Wire.pushHeaders(version: nil))
            }
        }
    }

    @Test func anUnknownProtocolVersionInTheSignedBatchHeaderIsRefusedAs400() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...1)
            let header = log.header(2...2, protocolVersion: 2)
            try await h.expectRefusal(status: 400, type: "unsupported-protocol-version") {
                try await client.push(node: log.id, body: try header.body(entries: log.slice(2...2)))
            }
        }
    }

    // MARK: Routing

    @Test func anUnknownRouteIsA404Problem() async throws {
        let h = try await AggregatorHarness.make()
        try await h.test { client in
            try expectProblem(try await client.execute(uri: "/v1/nope", method: .get), status: 404, type: "not-found")
        }
    }
}
