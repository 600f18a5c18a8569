import Foundation
import HummingbirdTesting
import Logging
import SimpulAggregator
import SimpulCore
import Testing

/// `migrate --to`: a SQLite aggregator with referrals, a provider's answer, a quarantined entry, a rekey and a fork
/// copied into an empty PostgreSQL database: every table the same, the copy verifies, the feed resumes at the same
/// cursors and continues after them, and a second migrate into the same database is refused.
@Suite(.enabled(if: TestDatabase.postgresAdminURL != nil, "runs in the PostgreSQL pass (SIMPUL_TEST_POSTGRES)"))
struct MigrationTests {
    @Test func aSQLiteAggregatorCopiedToPostgreSQLIsTheSameAndVerifies() async throws {
        var built = try FeedTests.office()
        built.append(eventJSON: try QuarantineTests.provincialService())
        try built.record(3)
        let office = built
        var answers = NodeLog(id: FeedTests.provider)
        answers.append(eventJSON: try FeedTests.providerEvent("provider.responded", caseID: "K1"))
        let provider = answers
        let h = try await AggregatorHarness.make(enrolling: [office, provider], sqliteOnly: true)
        let source = try #require(h.storage as? SQLiteStorage)
        let target = try TestDatabase.make(in: h.dir.path)
        defer { target.drop() }
        try await h.test { client in
            try await client.pushOK(office, 1...7)
            try await client.pushOK(provider, 1...1)
            try await h.storage.rekey(node: provider.id, publicKey: SigningKey().publicKey.base64, at: "2026-03-03T08:00:00+07:00")
            _ = try await h.storage.publishRules(RulesDocument.shipped, at: "2026-03-03T08:00:00+07:00")

            guard case .postgres(let url, _, _) = target else { Issue.record("no PostgreSQL target"); return }
            let copy = try await PostgresStorage(url: PostgresURL(url), poolSize: 4)
            let report = try await SQLiteToPostgres.migrate(source: source, target: copy, signingKey: h.aggregatorKey,
                                                            logger: Logger(label: "test"))
            #expect(report.rows["entries"] == 8 && report.rows["nodes"] == 2 && report.rows["quarantine"] == 1 && report.rows["node_keys"] == 1)
            for table in SQLiteToPostgresTables.names {
                #expect(try h.rows("SELECT count(*) FROM \(table)") == (try target.rows("SELECT count(*) FROM \(table)")), "\(table)")
            }
            #expect(try await copy.listNodes() == (try await source.listNodes()))
            #expect(try await copy.quarantined(node: nil) == (try await source.quarantined(node: nil)))
            #expect(try await copy.retiredKeys(node: provider.id) == (try await source.retiredKeys(node: provider.id)))
            #expect(try await copy.batches(node: office.id) == (try await source.batches(node: office.id)))
            for node in [office.id, provider.id] {
                let a = try await source.feed(node: node, after: 0, maxItems: 100, maxBytes: 1 << 20)
                let b = try await copy.feed(node: node, after: 0, maxItems: 100, maxBytes: 1 << 20)
                #expect(a.items.map(\.cursor) == b.items.map(\.cursor) && a.items.map(\.seq) == b.items.map(\.seq), "\(node)'s feed")
            }
            #expect(try await StoredLogVerifier(storage: copy).verifyAll().allSatisfy(\.ok))
            #expect(try await copy.claimSigningKey(SigningKey().publicKey.base64, at: "x") == h.aggregatorKey.publicKey.base64)
            // The feed continues after the copied cursors.
            let before = try await copy.feed(node: office.id, after: 0, maxItems: 100, maxBytes: 1 << 20).items.map(\.cursor).max() ?? 0
            let changed = RulesDocument(catalogueCSV: RulesDocument.shipped.catalogueCSV, allowUnknownWilayah: true, limits: Limits(),
                                        syncIntervalSeconds: 77)
            #expect(try await copy.publishRules(changed, at: "2026-03-04T08:00:00+07:00"))
            let after = try await copy.feed(node: office.id, after: before, maxItems: 100, maxBytes: 1 << 20).items.map(\.cursor)
            #expect(after.count == 1 && after[0] > before)
            // Twice is refused, and changes nothing.
            await #expect(throws: AggregatorError.self) {
                _ = try await SQLiteToPostgres.migrate(source: source, target: copy, signingKey: h.aggregatorKey, logger: Logger(label: "test"))
            }
            #expect(try await copy.entryCount() == 8)
        }
    }
}

/// The tables a migration copies.
enum SQLiteToPostgresTables {
    static let names = ["nodes", "entries", "batches", "forks", "quarantine", "case_routes", "feed", "node_keys"]
}
