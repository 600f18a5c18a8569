import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// Promises 2 and 3 on the aggregator side: a valid push is stored verbatim, exactly once, and answered
/// with a receipt the aggregator signed.
@Suite struct PushAcceptTests {
    enum Encoding: String, CaseIterable, Sendable { case gzip, gzipWithoutHeader, plain }

    @Test(arguments: Encoding.allCases)
    func aValidPushStoresExactlyTheEntriesByteForByteAndAnswersASignedReceipt(encoding: Encoding) async throws {
        let log = try NodeLog.recorded(5)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            let body = try log.body(1...5)
            let sent = encoding == .plain ? body : Gzip.compress(body)
            let response = try await client.execute(
                uri: "/v1/nodes/\(log.id)/push", method: .post, headers: Wire.pushHeaders(gzip: encoding == .gzip),
                body: ByteBuffer(bytes: sent))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(response.headers[.contentType] == "application/json")
            let receipt = try JSONDecoder().decode(Receipt.self, from: Data(buffer: response.body))
            #expect(receipt.isValidlySigned)
            #expect(receipt.aggregatorKey == h.aggregatorKey.publicKey.base64)
            #expect(receipt.node == log.id)
            #expect(receipt.seq == 5)
            #expect(receipt.hash == log.hashHex(5))
            #expect(receipt.stored == 5)
            #expect(receipt.duplicates == 0)
            #expect(RFC3339.parse(receipt.issuedAt) != nil)

            let stored = try await h.storedEntries(log.id)
            #expect(stored.map(\.seq) == [1, 2, 3, 4, 5])
            #expect(stored.map(\.bytes) == log.entries.map(\.bytes))
            #expect(stored.map(\.hash) == Array(log.hashes[1...5]))
            #expect(try h.entryCount() == 5)
            #expect(try await h.head(log.id)! == (5, log.hashHex(5)))
            let node = try #require(try await h.storage.listNodes().first)
            #expect(node.state == .active)
            #expect(node.lastSeenAt != nil)
        }
    }

    @Test func aReceiptWithAnAlteredFieldNoLongerVerifies() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            var receipt = try await client.pushOK(log, 1...2)
            #expect(receipt.isValidlySigned)
            receipt.seq = 3
            #expect(!receipt.isValidlySigned)
        }
    }

    @Test func consecutiveBatchesExtendTheHeadAndKeepEachSignedHeader() async throws {
        let log = try NodeLog.recorded(7)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...3)
            let receipt = try await client.pushOK(log, 4...7, gzip: false)
            #expect(receipt.seq == 7)
            #expect(receipt.hash == log.hashHex(7))
            #expect(receipt.stored == 4)
            let batches = try await h.storage.batches(node: log.id)
            #expect(batches.map { [$0.fromSeq, $0.toSeq] } == [[1, 3], [4, 7]])
            #expect(batches.map(\.lastHash) == [log.hashHex(3), log.hashHex(7)])
            for batch in batches {
                #expect(batch.clock == log.header(batch.fromSeq...batch.toSeq).clock)
                #expect(log.key.publicKey.isValid(signature: batch.signature, for: batch.signedMessage))
            }
            #expect(try await h.storedEntries(log.id).map(\.bytes) == log.entries.map(\.bytes))
        }
    }

    @Test func resendingTheSameBatchStoresNothingNewAndAnswersTheSameHead() async throws {
        let log = try NodeLog.recorded(3)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            let first = try await client.pushOK(log, 1...3)
            let before = try h.snapshot()
            for gzip in [true, false] {
                let again = try await client.pushOK(log, 1...3, gzip: gzip)
                #expect(again.isValidlySigned)
                #expect(again.seq == first.seq)
                #expect(again.hash == first.hash)
                #expect(again.stored == 0)
                #expect(again.duplicates == 3)
            }
            #expect(try h.snapshot() == before)
            #expect(try h.entryCount() == 3)
        }
    }

    @Test func anOverlappingBatchStoresOnlyTheEntriesAfterTheHead() async throws {
        let log = try NodeLog.recorded(5)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...3)
            let overlap = try await client.pushOK(log, 2...5)
            #expect(overlap.seq == 5)
            #expect(overlap.hash == log.hashHex(5))
            #expect(overlap.stored == 2)
            #expect(overlap.duplicates == 2)
            #expect(try await h.storedEntries(log.id).map(\.bytes) == log.entries.map(\.bytes))

            // A batch wholly inside what is stored is acknowledged with the head, not its own last seq.
            let before = try h.snapshot()
            let inside = try await client.pushOK(log, 2...4)
            #expect(inside.seq == 5)
            #expect(inside.hash == log.hashHex(5))
            #expect(inside.stored == 0)
            #expect(inside.duplicates == 3)
            #expect(try h.snapshot() == before)
        }
    }

    @Test func twoNodesLogsAreStoredSeparately() async throws {
        let a = try NodeLog.recorded(3, id: "35.07.01")
        let b = try NodeLog.recorded(2, id: "35.07.02")
        let h = try await AggregatorHarness.make(enrolling: [a, b])
        try await h.test { client in
            try await client.pushOK(a, 1...3)
            try await client.pushOK(b, 1...2)
            #expect(try h.entryCount(node: a.id) == 3)
            #expect(try h.entryCount(node: b.id) == 2)
            #expect(try await h.storedEntries(b.id).map(\.bytes) == b.entries.map(\.bytes))
        }
    }
}
