import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// The feed, the own-log route, recover and rekey, on a real SQLite file behind the real router.
@Suite struct FeedTests {
    static let provider = "DISDUKCAPIL.35.07"

    /// Headers of a signed feed or log read.
    static func readHeaders(_ route: String, node: String, after: Int64, signer: SigningKey) -> HTTPFields {
        let clock = RFC3339.format(Date())
        let counter = Wire.nextCounter()
        var fields = HTTPFields()
        fields[Wire.protocolHeader] = String(SimpulProtocol.version)
        fields[Wire.clockHeader] = clock
        fields[Wire.counterHeader] = String(counter)
        fields[Wire.signatureHeader] = signer.sign(WireSignature.request("simpul-\(route)-request", node: node, after: after, clock: clock,
                                                                         counter: counter))
        return fields
    }

    /// Reads a page and checks the aggregator's signature over its exact bytes.
    static func read<T: Decodable>(_ client: some TestClientProtocol, _ route: String, node: String, after: Int64, signer: SigningKey,
                                   aggregator: SigningKey) async throws -> T {
        let response = try await client.execute(uri: "/v1/nodes/\(node)/\(route)?after=\(after)", method: .get,
                                                headers: readHeaders(route, node: node, after: after, signer: signer))
        guard response.status == .ok else { throw HarnessError("\(route) answered \(response.status.code): \(String(buffer: response.body))") }
        let body = Data(buffer: response.body)
        let signature = try #require(response.headers[Wire.signatureHeader])
        #expect(aggregator.publicKey.isValid(signature: signature, for: WireSignature.answer("simpul-\(route)", node: node, after: after, body: body)))
        #expect(!aggregator.publicKey.isValid(signature: signature, for: WireSignature.answer("simpul-\(route)", node: node, after: after + 1, body: body)))
        return try JSONDecoder().decode(T.self, from: body)
    }

    static func office() throws -> NodeLog {
        var office = NodeLog(id: "35.07.01")
        try office.record(1, ["case": .string("K1")])
        office.append(eventJSON: try NodeLog.builder.build(object: [
            "kind": .string("request.referred"), "case": .string("K1"), "service": .string("ADM.KTPEL"), "provider": .string(provider),
            "occurred_at": .string("2026-03-01T10:00:00+07:00"),
        ], now: NodeLog.now).canonicalJSON())
        try office.record(1, ["case": .string("K2")])
        return office
    }

    static func providerEvent(_ kind: String, caseID: String, office: String = "35.07.01") throws -> Data {
        try NodeLog.builder.build(object: [
            "kind": .string(kind), "case": .string(caseID), "service": .string("ADM.KTPEL"), "provider": .string(provider),
            "case_node": .string(office), "outcome": kind == "provider.responded" ? .string("completed") : .null,
            "occurred_at": .string("2026-03-02T10:00:00+07:00"),
        ], now: NodeLog.now).canonicalJSON()
    }

    @Test func aReferralReachesItsProviderWithTheCaseSoFarAndTheAnswerReachesTheOffice() async throws {
        let office = try Self.office()
        var answers = NodeLog(id: Self.provider)
        answers.append(eventJSON: try Self.providerEvent("provider.responded", caseID: "K1"))
        answers.append(eventJSON: try Self.providerEvent("provider.acknowledged", caseID: "K2"))  // never referred here
        let provider = answers
        let h = try await AggregatorHarness.make(enrolling: [office, provider])
        #expect(try await h.storage.publishRules(RulesDocument.shipped, at: "2026-03-01T08:00:00Z"))
        #expect(try await !h.storage.publishRules(RulesDocument.shipped, at: "2026-03-01T08:05:00Z"), "the same rules are published once")
        let key = h.aggregatorKey
        try await h.test { client in
            try await client.pushOK(office, 1...3)
            let page: FeedPage = try await Self.read(client, "feed", node: Self.provider, after: 0, signer: provider.key, aggregator: key)
            #expect(page.items.map(\.type) == ["rules", "entry", "entry"], "\(page.items.map(\.type))")
            #expect(page.items.compactMap(\.seq) == [1, 2], "the provider gets the request and the referral, not case K2")
            #expect(page.items.last.map { $0.entry == String(decoding: office.entries[1].bytes, as: UTF8.self) } == true, "verbatim bytes")
            #expect(page.next == page.items.last?.cursor && !page.more)
            let again: FeedPage = try await Self.read(client, "feed", node: Self.provider, after: page.next, signer: provider.key, aggregator: key)
            #expect(again.items.isEmpty && again.next == page.next)

            try await client.pushOK(provider, 1...2)
            let toOffice: FeedPage = try await Self.read(client, "feed", node: office.id, after: 0, signer: office.key, aggregator: key)
            let entries = toOffice.items.filter { $0.type == "entry" }
            #expect(entries.count == 1 && entries[0].node == Self.provider && entries[0].seq == 1,
                    "only the answer on a case referred to the provider is routed: \(entries)")
            // Another node's key cannot read a feed.
            let stolen = try await client.execute(uri: "/v1/nodes/\(office.id)/feed?after=0", method: .get,
                                                  headers: Self.readHeaders("feed", node: office.id, after: 0, signer: provider.key))
            #expect(stolen.status == .unauthorized)
            let bad = try await client.execute(uri: "/v1/nodes/\(office.id)/feed?after=-1", method: .get,
                                               headers: Self.readHeaders("feed", node: office.id, after: 0, signer: office.key))
            #expect(bad.status == .badRequest)
        }
    }

    @Test func theOwnLogRouteReturnsTheStoredEntriesAndRecoverClearsAForkOnlyAtTheHead() async throws {
        var built = NodeLog(id: "35.07.01")
        try built.record(5)
        var other = NodeLog(id: "35.07.01", key: built.key)
        try other.record(3, ["officer": .string("Lain")])
        let log = built, fork = other
        let h = try await AggregatorHarness.make(enrolling: [log])
        let key = h.aggregatorKey
        try await h.test { client in
            try await client.pushOK(log, 1...5)
            let page: LogPage = try await Self.read(client, "log", node: log.id, after: 2, signer: log.key, aggregator: key)
            #expect(page.entries.map(\.seq) == [3, 4, 5] && page.headSeq == 5 && page.headHash == log.hashHex(5))
            #expect(page.entries.map { Data($0.entry.utf8) } == log.slice(3...5).map(\.bytes))

            let forked = try await client.push(node: log.id, body: try fork.body(1...3))
            #expect(forked.status == .conflict)
            #expect(try await h.storage.node(log.id)?.forkSeq != nil)

            func recover(seq: Int64, hash: String, signer: SigningKey) async throws -> TestResponse {
                var request = RecoverRequest(node: log.id, seq: seq, hash: hash, clock: RFC3339.format(Date()), counter: Wire.nextCounter())
                request.sign(with: signer)
                var headers = HTTPFields()
                headers[Wire.protocolHeader] = String(SimpulProtocol.version)
                headers[.contentType] = "application/json"
                return try await client.execute(uri: "/v1/nodes/\(log.id)/recover", method: .post, headers: headers,
                                                body: ByteBuffer(data: try JSONEncoder().encode(request)))
            }
            #expect(try await recover(seq: 5, hash: log.hashHex(5), signer: SigningKey()).status == .unauthorized)
            let wrong = try await recover(seq: 3, hash: fork.hashHex(3), signer: log.key)
            let wrongType = try jsonObject(wrong)["type"] as? String
            #expect(wrong.status == .conflict && wrongType == "recover-mismatch")
            #expect(try await h.storage.node(log.id)?.forkSeq != nil, "a mismatched recover changes nothing")
            let resolved = try await recover(seq: 5, hash: log.hashHex(5), signer: log.key)
            let state = try jsonObject(resolved)["state"] as? String
            #expect(resolved.status == .ok && state == "active")
            let forks = Int(try h.rows("SELECT count(*) FROM forks WHERE resolved_at IS NOT NULL")[0][0] ?? "")
            #expect(forks == 1, "the fork stays on record, resolved")
        }
    }

    @Test func verifyChecksEachBatchWithTheKeyTheNodeHadAfterARekey() async throws {
        var built = NodeLog(id: "35.07.01")
        try built.record(6)
        let log = built
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...4)
            let newKey = SigningKey()
            try await h.storage.rekey(node: log.id, publicKey: newKey.publicKey.base64, at: "2026-03-02T08:00:00Z")
            let oldSigned = try await client.push(node: log.id, body: try log.body(5...6))
            #expect(oldSigned.status == .unauthorized, "the retired key no longer signs pushes")
            let response = try await client.push(node: log.id, body: try log.header(5...6, signer: newKey).body(entries: log.slice(5...6)))
            #expect(response.status == .ok)
            let result = try await StoredLogVerifier(storage: h.storage).verifyAll()
            #expect(result.first?.ok == true && result.first?.batches == 2, "\(result)")
            await #expect(throws: (any Error).self) { try await h.storage.rekey(node: log.id, publicKey: log.key.publicKey.base64, at: "x") }
        }
    }
}
