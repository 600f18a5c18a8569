import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SimpulAggregator
import SimpulCore
import Testing

/// PostgreSQL killed under a serving aggregator and started again: pushes get 503 `database-unavailable` with
/// `Retry-After` and store nothing, `/readyz` says so, and both recover by themselves when the database returns.
/// Runs on its own throwaway cluster (scripts/throwaway-postgres.sh), in the PostgreSQL run of the suite.
@Suite(.enabled(if: TestDatabase.postgresAdminURL != nil, "runs in the PostgreSQL pass (SIMPUL_TEST_POSTGRES)"))
struct PostgresOutageTests {
    @Test func pushesGet503WhileTheDatabaseIsDownAndSucceedAfterItReturns() async throws {
        try await ThrowawayCluster.with { dir, url in try await outageAndReturn(dir: dir, url: url) }
    }

    private func outageAndReturn(dir: String, url: String) async throws {
        var built = NodeLog(id: "35.07.01")
        try built.record(6)
        let log = built
        let storage = try await PostgresStorage(url: PostgresURL(url), poolSize: 4, operationTimeout: .seconds(6))
        try await storage.addNodes([NodeRecord(id: log.id, publicKey: log.key.publicKey.base64, enrolledAt: "2026-03-01T08:00:00+07:00")])
        let ingest = PushIngest(storage: storage, rules: EventRules(), limits: AggregatorHarness.limits, signingKey: SigningKey())
        var logger = Logger(label: "simpul-aggregator-test")
        logger.logLevel = .critical
        let application = Application(router: AggregatorApp(ingest: ingest).router(), logger: logger)
        try await application.test(.router) { client in
            try await client.pushOK(log, 1...3)

            try await ThrowawayCluster.run("kill", dir)
            let refused = try await client.push(node: log.id, body: try log.body(4...6), gzip: true)
            try expectProblem(refused, status: 503, type: "database-unavailable")
            #expect(refused.headers[.retryAfter] == "1")
            try await Task.sleep(for: .seconds(1.1))
            let notReady = try await client.execute(uri: "/readyz", method: .get)
            try expectProblem(notReady, status: 503, type: "database-unavailable")

            try await ThrowawayCluster.run("restart", dir)
            // The pool reconnects by itself: readiness and pushes come back without a restart of the aggregator.
            var ready = false
            for _ in 0..<40 where !ready {
                try await Task.sleep(for: .milliseconds(500))
                ready = try await client.execute(uri: "/readyz", method: .get).status == .ok
            }
            #expect(ready, "/readyz did not recover within 20 s of the database's return")
            var receipt: Receipt?
            for _ in 0..<20 where receipt == nil {
                receipt = try? await client.pushOK(log, 4...6)
                if receipt == nil { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(receipt?.seq == 6)
            // Nothing lost, nothing doubled: the refused push stored nothing, the retry stored 4-6 once.
            #expect(try await storage.entries(node: log.id, after: 0, limit: 100).map(\.bytes) == log.slice(1...6).map(\.bytes))
            #expect(try await StoredLogVerifier(storage: storage).verifyAll().allSatisfy(\.ok))
        }
    }
}
