import Foundation
import GRDB
import SimpulCore

/// The embedded default storage: one SQLite file, WAL, `synchronous=FULL`.
///
/// Admin commands (`nodes add`, `events`, `verify`) open the same file while `serve` runs; SQLite's
/// locking and a busy timeout keep them from stepping on each other.
public final class SQLiteStorage: AggregatorStorage {
    let pool: DatabasePool
    public let path: String

    public init(path: String, create: Bool = false) throws(AggregatorError) {
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw AggregatorError(Message(.aggNoDatabase, ["path": path]), hint: Message(.aggNoDatabaseHint))
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(15)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        if create && !FileManager.default.fileExists(atPath: path) {
            // Entries carry pseudonyms: the database (and so its -wal and -shm) is the aggregator user's only.
            try PrivateFile.create(path)
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw AggregatorError(Message(.aggDatabaseOpenFailed, ["path": path, "error": "\(error)"]), hint: Message(.aggDatabaseOpenFailedHint))
        }
        self.path = path
    }

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE nodes (
                    id TEXT PRIMARY KEY,
                    public_key TEXT NOT NULL,
                    enrolled_at TEXT NOT NULL,
                    revoked_at TEXT,
                    head_seq INTEGER NOT NULL DEFAULT 0,
                    head_hash BLOB NOT NULL,
                    last_seen_at TEXT,
                    clock_skew_seconds REAL,
                    fork_seq INTEGER
                );
                -- Every entry exactly once: (node, seq) is the log position, event_id the fact itself.
                CREATE TABLE entries (
                    node TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    hash BLOB NOT NULL,
                    event_id TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL,
                    service TEXT NOT NULL,
                    case_id TEXT NOT NULL,
                    desa TEXT,
                    occurred_at TEXT NOT NULL,
                    UNIQUE (node, seq)
                );
                CREATE TABLE batches (
                    node TEXT NOT NULL,
                    from_seq INTEGER NOT NULL,
                    to_seq INTEGER NOT NULL,
                    prev_hash TEXT NOT NULL,
                    last_hash TEXT NOT NULL,
                    signature TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    PRIMARY KEY (node, to_seq)
                );
                CREATE TABLE forks (
                    node TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    stored_hash TEXT NOT NULL,
                    offered_hash TEXT NOT NULL,
                    offered_bytes BLOB NOT NULL,
                    header TEXT NOT NULL,
                    detected_at TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-quarantine") { db in
            try db.execute(sql: """
                ALTER TABLE nodes ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;
                -- Entries stored and acknowledged whose events fail the rules: counted nowhere while released_at is NULL.
                CREATE TABLE quarantine (
                    node TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    event_id TEXT NOT NULL,
                    field TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    quarantined_at TEXT NOT NULL,
                    released_at TEXT,
                    PRIMARY KEY (node, seq)
                );
                """)
        }
        registerFeedMigration(&migrator)
        migrator.registerMigration("v4-replay") { db in
            try db.execute(sql: """
                -- The last request counter accepted from each node: a replayed signed request changes nothing.
                ALTER TABLE nodes ADD COLUMN request_counter INTEGER NOT NULL DEFAULT 0;
                -- The clock each push header signed; NULL for batches stored before the signature covered it.
                ALTER TABLE batches ADD COLUMN clock TEXT;
                """)
        }
        migrator.registerMigration("v5-figures") { db in try db.execute(sql: FigureSchema.sqlite) }
        migrator.registerMigration("v6-backlog") { db in
            // What each node said it still had to send after its last accepted push (`Simpul-Backlog`).
            try db.execute(sql: "ALTER TABLE nodes ADD COLUMN reported_backlog INTEGER")
        }
        return migrator
    }()

    static func nodeRecord(_ row: Row) -> NodeRecord {
        NodeRecord(
            id: row["id"], publicKey: row["public_key"], enrolledAt: row["enrolled_at"], revokedAt: row["revoked_at"],
            headSeq: row["head_seq"], headHash: Hex.encode((row["head_hash"] as Data?) ?? Data()),
            lastSeenAt: row["last_seen_at"], clockSkewSeconds: row["clock_skew_seconds"], forkSeq: row["fork_seq"],
            quarantined: row["quarantined"] ?? 0, reportedBacklog: row["reported_backlog"])
    }

    /// One aggregator per SQLite file: its key is the one in its data directory.
    public func claimSigningKey(_ publicKey: String, at time: String) async throws -> String { publicKey }

    public func ping() async throws {
        try await pool.read { db in _ = try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func entryCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entries") ?? 0 }
    }

    public func node(_ id: String) async throws -> NodeRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM nodes WHERE id = ?", arguments: [id]).map(Self.nodeRecord)
        }
    }

    public func addNodes(_ records: [NodeRecord]) async throws {
        try await pool.write { db in
            for r in records {
                if let other = try String.fetchOne(db, sql: "SELECT id FROM nodes WHERE public_key = ?", arguments: [r.publicKey]) {
                    throw AggregatorError(Message(.aggKeyEnrolledForOther, ["node": r.id, "other": other]), hint: Message(.aggKeyEnrolledForOtherHint, ["node": r.id]),
                                          exitCode: 2)
                }
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM nodes WHERE id = ?", arguments: [r.id]) == true {
                    throw AggregatorError(Message(.aggAlreadyEnrolled, ["node": r.id]), hint: Message(.aggAlreadyEnrolledHint, ["node": r.id]), exitCode: 2)
                }
                try db.execute(
                    sql: "INSERT INTO nodes(id, public_key, enrolled_at, head_seq, head_hash) VALUES (?, ?, ?, 0, ?)",
                    arguments: [r.id, r.publicKey, r.enrolledAt, ChainHash.genesis])
            }
        }
    }

    public func revokeNode(_ id: String, at time: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE nodes SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [time, id])
            return db.changesCount > 0
        }
    }

    public func listNodes() async throws -> [NodeRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM nodes ORDER BY id").map(Self.nodeRecord)
        }
    }

    public func hashes(node: String, seqs: ClosedRange<Int64>) async throws -> [Int64: Data] {
        try await pool.read { db in
            var out = [Int64: Data]()
            let rows = try Row.fetchCursor(
                db, sql: "SELECT seq, hash FROM entries WHERE node = ? AND seq BETWEEN ? AND ?",
                arguments: [node, seqs.lowerBound, seqs.upperBound])
            while let row = try rows.next() { out[row["seq"]] = row["hash"] }
            return out
        }
    }

    public func commit(_ commit: IngestCommit) async throws -> CommitOutcome {
        do {
            return try await apply(commit)
        } catch let duplicate as DuplicateEvent {
            return duplicate.outcome
        }
    }

    private func apply(_ commit: IngestCommit) async throws -> CommitOutcome {
        try await pool.write { db in
            // Compare-and-swap: the head must not have moved, and the node must not have been revoked or marked
            // forked since the checks (ingest re-reads and refuses then).
            let row = try Row.fetchOne(db, sql: "SELECT head_seq, revoked_at, fork_seq FROM nodes WHERE id = ?", arguments: [commit.node])
            guard let row, row["head_seq"] as Int64 == commit.expectedHeadSeq, row["revoked_at"] as String? == nil,
                  row["fork_seq"] as Int64? == nil
            else { return .headMoved }
            let insert = try EntryInsert(db)
            for e in commit.entries where try insert.step(e, in: db) == .constraint {
                // (node, seq) cannot collide under the head check, so this is an event id stored before.
                // Throwing rolls back everything this transaction did.
                let row = try Row.fetchOne(db, sql: "SELECT node, seq FROM entries WHERE event_id = ?", arguments: [e.eventID])
                throw DuplicateEvent(outcome: .duplicateEvent(id: e.eventID, node: row?["node"] ?? "?", seq: row?["seq"] ?? 0))
            }
            for q in commit.quarantine {
                try db.execute(
                    sql: "INSERT INTO quarantine(node, seq, event_id, field, reason, quarantined_at) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [q.node, q.seq, q.eventID, q.field, q.reason, q.quarantinedAt])
            }
            try Self.route(commit.entries, skipping: Set(commit.quarantine.map(\.seq)), at: commit.batch.receivedAt, in: db)
            try db.execute(
                sql: "UPDATE nodes SET head_seq = ?, head_hash = ?, last_seen_at = COALESCE(?, last_seen_at), "
                    + "clock_skew_seconds = COALESCE(?, clock_skew_seconds), quarantined = quarantined + ?, "
                    + "reported_backlog = COALESCE(?, reported_backlog) WHERE id = ?",
                arguments: [commit.newHeadSeq, commit.newHeadHash, commit.seenAt, commit.clockSkewSeconds, commit.quarantine.count,
                            commit.reportedBacklog, commit.node])
            let b = commit.batch
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO batches(node, from_seq, to_seq, prev_hash, last_hash, signature, received_at, clock)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [b.node, b.fromSeq, b.toSeq, b.prevHash, b.lastHash, b.signature, b.receivedAt, b.clock])
            return .committed
        }
    }

    private struct DuplicateEvent: Error {
        var outcome: CommitOutcome
    }

    public func recordFork(_ fork: ForkRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO forks(node, seq, stored_hash, offered_hash, offered_bytes, header, detected_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [fork.node, fork.seq, fork.storedHash, fork.offeredHash, fork.offeredBytes, fork.header, fork.detectedAt])
            try db.execute(
                sql: "UPDATE nodes SET fork_seq = MIN(COALESCE(fork_seq, ?), ?) WHERE id = ?",
                arguments: [fork.seq, fork.seq, fork.node])
        }
    }

    public func entries(node: String, after seq: Int64, limit: Int) async throws -> [(seq: Int64, bytes: Data, hash: Data)] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, bytes, hash FROM entries WHERE node = ? AND seq > ? ORDER BY seq LIMIT ?",
                arguments: [node, seq, limit]
            ).map { (seq: $0["seq"], bytes: $0["bytes"], hash: $0["hash"]) }
        }
    }

    public func storedEntries(node: String, after seq: Int64, limit: Int) async throws -> [StoredEntry] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM entries WHERE node = ? AND seq > ? ORDER BY seq LIMIT ?", arguments: [node, seq, limit]
            ).map {
                StoredEntry(node: $0["node"], seq: $0["seq"], bytes: $0["bytes"], hash: $0["hash"], eventID: $0["event_id"],
                            kind: $0["kind"], service: $0["service"], caseID: $0["case_id"], desa: $0["desa"], occurredAt: $0["occurred_at"],
                            caseNode: $0["case_node"], provider: $0["provider"])
            }
        }
    }

    public func batches(node: String) async throws -> [StoredBatch] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM batches WHERE node = ? ORDER BY to_seq", arguments: [node]).map {
                StoredBatch(node: $0["node"], fromSeq: $0["from_seq"], toSeq: $0["to_seq"], prevHash: $0["prev_hash"],
                            lastHash: $0["last_hash"], signature: $0["signature"], receivedAt: $0["received_at"], clock: $0["clock"])
            }
        }
    }
}
