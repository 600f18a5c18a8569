import Foundation
import Logging
import PostgresNIO

/// The aggregator's tables on PostgreSQL, the same as on SQLite (column for column, so `migrate --to` copies rows as
/// they are), migrated in order under an advisory lock: replicas starting together migrate once, the others wait and
/// find the work done. Each migration runs in its own transaction with its row in `simpul_migrations`.
enum PostgresSchema {
    /// The advisory lock key of schema migrations ("simpul" in ASCII).
    static let migrationLock: Int64 = 0x73696D70756C
    /// The advisory lock key feed rows take their cursors under (see `PostgresStorage.sequenceFeed`).
    static let feedLock: Int64 = 0x73696D70756C + 1
    /// The first key of the two-key advisory locks routing takes per case (the second is a hash of office and case);
    /// two-key locks never collide with the one-key locks above.
    static let caseLockSpace: Int32 = 0x5349
    /// The advisory lock key figure updates take (one replica folds at a time).
    static let figuresLock: Int64 = 0x73696D70756C + 2

    static let migrations: [(name: String, statements: [String])] = [
        ("v1", [
            """
            CREATE TABLE nodes (
                id TEXT PRIMARY KEY,
                public_key TEXT NOT NULL,
                enrolled_at TEXT NOT NULL,
                revoked_at TEXT,
                head_seq BIGINT NOT NULL DEFAULT 0,
                head_hash BYTEA NOT NULL,
                last_seen_at TEXT,
                clock_skew_seconds DOUBLE PRECISION,
                fork_seq BIGINT,
                quarantined BIGINT NOT NULL DEFAULT 0,
                request_counter BIGINT NOT NULL DEFAULT 0
            )
            """,
            // Every entry exactly once: (node, seq) is the log position, event_id the fact itself.
            """
            CREATE TABLE entries (
                node TEXT NOT NULL,
                seq BIGINT NOT NULL,
                bytes BYTEA NOT NULL,
                hash BYTEA NOT NULL,
                event_id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                service TEXT NOT NULL,
                case_id TEXT NOT NULL,
                desa TEXT,
                occurred_at TEXT NOT NULL,
                case_node TEXT,
                provider TEXT,
                PRIMARY KEY (node, seq)
            )
            """,
            "CREATE INDEX entries_case ON entries(case_node, case_id)",
            // One key, one node: enrolments checked before they insert, and this when two race.
            "CREATE UNIQUE INDEX nodes_public_key ON nodes(public_key)",
            """
            CREATE TABLE batches (
                node TEXT NOT NULL,
                from_seq BIGINT NOT NULL,
                to_seq BIGINT NOT NULL,
                prev_hash TEXT NOT NULL,
                last_hash TEXT NOT NULL,
                signature TEXT NOT NULL,
                received_at TEXT NOT NULL,
                clock TEXT,
                PRIMARY KEY (node, to_seq)
            )
            """,
            """
            CREATE TABLE forks (
                id BIGSERIAL PRIMARY KEY,
                node TEXT NOT NULL,
                seq BIGINT NOT NULL,
                stored_hash TEXT NOT NULL,
                offered_hash TEXT NOT NULL,
                offered_bytes BYTEA NOT NULL,
                header TEXT NOT NULL,
                detected_at TEXT NOT NULL,
                resolved_at TEXT
            )
            """,
            """
            CREATE TABLE quarantine (
                node TEXT NOT NULL,
                seq BIGINT NOT NULL,
                event_id TEXT NOT NULL,
                field TEXT NOT NULL,
                reason TEXT NOT NULL,
                quarantined_at TEXT NOT NULL,
                released_at TEXT,
                PRIMARY KEY (node, seq)
            )
            """,
            """
            CREATE TABLE case_routes (
                office TEXT NOT NULL,
                case_id TEXT NOT NULL,
                provider TEXT NOT NULL,
                PRIMARY KEY (office, case_id, provider)
            )
            """,
            // Each node's feed: rules (node '*', for every node) and other nodes' entries, in one cursor sequence.
            """
            CREATE TABLE feed (
                cursor BIGSERIAL PRIMARY KEY,
                node TEXT NOT NULL,
                origin_node TEXT,
                origin_seq BIGINT,
                rules TEXT,
                created_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX feed_node ON feed(node, cursor)",
            """
            CREATE TABLE node_keys (
                id BIGSERIAL PRIMARY KEY,
                node TEXT NOT NULL,
                public_key TEXT NOT NULL,
                until_seq BIGINT NOT NULL,
                replaced_at TEXT NOT NULL
            )
            """,
            // The receipt-signing public key every replica must sign with (set by the first `init`).
            """
            CREATE TABLE aggregator_identity (
                singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
                public_key TEXT NOT NULL,
                created_at TEXT NOT NULL
            )
            """,
        ]),
        // A push's feed rows wait here, written with the push and without a lock; `PostgresStorage.sequenceFeed` moves
        // them into `feed` under the feed lock in a short transaction of its own, which takes their cursors in commit
        // order for every push that committed meanwhile (v1 held that lock through each push's commit: one at a time).
        ("v2", [
            """
            CREATE TABLE feed_pending (
                id BIGSERIAL PRIMARY KEY,
                node TEXT NOT NULL,
                origin_node TEXT NOT NULL,
                origin_seq BIGINT NOT NULL,
                created_at TEXT NOT NULL
            )
            """,
        ]),
        // The figures (`FigureSchema`): per-case figures, their sums, and how far each node's entries are taken in.
        ("v3-figures", FigureSchema.postgres),
        // What each node said it still had to send after its last accepted push (`Simpul-Backlog`).
        ("v4-backlog", ["ALTER TABLE nodes ADD COLUMN reported_backlog BIGINT"]),
    ]

    /// Applies the migrations this database lacks, under the migration lock (held on one connection throughout).
    static func migrate(_ client: PostgresClient, logger: Logger, timeout: Duration) async throws {
        let limit = timeout * 3
        try await withDeadline(limit, onTimeout: {
            StorageUnavailable("the schema migration did not finish within \(limit) (another replica holding its lock, or no database)")
        }) {
            try await client.withConnection { connection in
                try await connection.query("SELECT pg_advisory_lock(\(migrationLock))", logger: logger)
                do {
                    try await applyPending(connection, logger: logger)
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(migrationLock))", logger: logger)
                    throw error
                }
                try await connection.query("SELECT pg_advisory_unlock(\(migrationLock))", logger: logger)
            }
        }
    }

    private static func applyPending(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS simpul_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            logger: logger)
        var applied = Set<String>()
        for try await name in try await connection.query("SELECT name FROM simpul_migrations", logger: logger).decode(String.self) {
            applied.insert(name)
        }
        for migration in migrations where !applied.contains(migration.name) {
            try await connection.withTransaction(logger: logger) { db in
                for statement in migration.statements {
                    try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await db.query("INSERT INTO simpul_migrations(name) VALUES (\(migration.name))", logger: logger)
            }
            logger.info("database migrated", metadata: ["migration": "\(migration.name)"])
        }
    }
}
