import Foundation
import GRDB
import HummingbirdTesting
import SimpulAggregator
import SimpulCore
import Testing

/// Regressions from the correctness review: inputs that once crashed the aggregator or slipped past a check.
@Suite struct ReviewRegressionTests {
    @Test("a header with extreme seqs is refused with 400, not an overflow that stops the process")
    func extremeSeqsAreRefused() async throws {
        let log = try NodeLog.recorded(1)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            for (from, to) in [(Int64.max, Int64.max), (1, Int64.min), (Int64.min, 1), (0, 1)] {
                var header = PushHeader(node: log.id, fromSeq: from, toSeq: to, prevHash: Hex.encode(ChainHash.genesis),
                                        lastHash: Hex.encode(log.headHash), clock: "2026-11-30T00:00:00Z")
                header.sign(with: log.key)
                let oversized = LogEntry(seq: 1, bytes: Data(repeating: UInt8(ascii: "x"), count: 8 * 1024))  // over max_entry_bytes, under the body limit
                try await h.expectRefusal(status: 400, type: "malformed-body") {
                    try await client.push(node: log.id, body: try header.body(entries: [oversized]))
                }
            }
            // The server still answers.
            _ = try await client.pushOK(log, 1...1)
        }
    }

    @Test("a body of nothing but newlines is refused before it is split into lines")
    func newlineBombIsRefused() async throws {
        let log = try NodeLog.recorded(1)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await h.expectRefusal(status: 413, type: "too-large") {
                try await client.push(node: log.id, body: Data(repeating: 0x0a, count: 200_000), gzip: true)
            }
        }
    }

    @Test("verify notices a counted column changed after arrival, though the signed bytes are intact")
    func alteredDerivedColumnIsCaught() async throws {
        let log = try NodeLog.recorded(4)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            _ = try await client.pushOK(log, 1...4)
            #expect(try await StoredLogVerifier(storage: h.storage).verifyAll().allSatisfy(\.ok))
            #expect(try h.execute("UPDATE entries SET service = 'ADM.KK' WHERE seq = 3") == 1)
            let result = try #require(try await StoredLogVerifier(storage: h.storage).verifyAll().first)
            #expect(!result.ok)
            #expect(result.firstBadSeq == 3)
            #expect(result.problem?.contains("columns") == true)
        }
    }
}

@Suite struct EnrolmentKeyTests {
    @Test("one public key cannot be enrolled for two nodes, and nothing changes")
    func duplicateKeyRefused() async throws {
        let dir = NSTemporaryDirectory() + "simpul-enrol-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let storage = try SQLiteStorage(path: dir + "/agg.db", create: true)
        let key = SigningKey().publicKey.base64
        try await storage.addNodes([NodeRecord(id: "35.07.01", publicKey: key, enrolledAt: "2026-11-30T00:00:00Z")])
        await #expect(throws: AggregatorError.self) {
            try await storage.addNodes([
                NodeRecord(id: "35.07.02", publicKey: SigningKey().publicKey.base64, enrolledAt: "2026-11-30T00:00:00Z"),
                NodeRecord(id: "35.07.03", publicKey: key, enrolledAt: "2026-11-30T00:00:00Z"),
            ])
        }
        #expect(try await storage.listNodes().map(\.id) == ["35.07.01"])
    }
}
