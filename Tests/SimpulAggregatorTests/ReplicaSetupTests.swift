import Foundation
import SimpulAggregator
import SimpulCore
import Testing

/// Setting up replicas on one PostgreSQL database: replicas starting together migrate the schema once (under the
/// advisory lock); a second replica's `init` with the first one's key changes no data; one with another key is
/// refused, and so is `serve`'s key check.
@Suite(.enabled(if: TestDatabase.postgresAdminURL != nil, "runs in the PostgreSQL pass (SIMPUL_TEST_POSTGRES)"))
struct ReplicaSetupTests {
    @Test func replicasOpeningAFreshDatabaseTogetherMigrateItOnce() async throws {
        let database = try TestDatabase.make(in: NSTemporaryDirectory())
        defer { database.drop() }
        let opened = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { _ = try await database.open(); return 1 } }
            return try await group.reduce(0, +)
        }
        #expect(opened == 4)
        let applied = try database.rows("SELECT name, count(*) FROM simpul_migrations GROUP BY name")
        #expect(!applied.isEmpty && applied.allSatisfy { $0[1] == "1" }, "\(applied)")
    }

    @Test func aSecondReplicasInitKeepsTheDataAndRefusesAnotherKey() async throws {
        let database = try TestDatabase.make(in: NSTemporaryDirectory())
        defer { database.drop() }
        guard case .postgres(let url, _, _) = database else { return }
        let root = NSTemporaryDirectory() + "simpul-replicas-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        func config(_ name: String) -> AggregatorConfig {
            var config = AggregatorConfig(dataDir: root + "/" + name)
            config.database = url
            return config
        }
        let firstKey = try await AggregatorAdmin.initialize(config: config("a"), configPath: root + "/a.toml")
        let storage = try await database.open()
        let log = try NodeLog.recorded(3)
        try await storage.addNodes([NodeRecord(id: log.id, publicKey: log.key.publicKey.base64, enrolledAt: "2026-03-01T08:00:00+07:00")])
        let before = try database.rows("SELECT id, public_key FROM nodes")

        // The same key (a copy of the first replica's aggregator.key): set up, nothing changed.
        let secondKey = try await AggregatorAdmin.initialize(config: config("b"), configPath: root + "/b.toml",
                                                             signingKeyFile: root + "/a/aggregator.key")
        #expect(secondKey == firstKey)
        #expect(try database.rows("SELECT id, public_key FROM nodes") == before)
        #expect(FileManager.default.fileExists(atPath: root + "/b.toml"))
        let loaded = try AggregatorConfig.load(path: root + "/b.toml")
        #expect(loaded.database == url)

        // A new key against the same database: refused, and no config or key written for it.
        await #expect(throws: AggregatorError.self) {
            _ = try await AggregatorAdmin.initialize(config: config("c"), configPath: root + "/c.toml")
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/c.toml"))
        #expect(!FileManager.default.fileExists(atPath: root + "/c/aggregator.key"))
        #expect(try database.rows("SELECT public_key FROM aggregator_identity") == [[firstKey]])
        // serve's check: the database's key or nothing.
        await #expect(throws: AggregatorError.self) { try await AggregatorAdmin.checkSigningKey(SigningKey(), storage: storage) }
        try await AggregatorAdmin.checkSigningKey(try AggregatorAdmin.loadSigningKey(config("b")), storage: storage)
    }
}
