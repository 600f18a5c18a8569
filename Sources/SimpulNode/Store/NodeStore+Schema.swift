import GRDB

extension NodeStore {
    /// Schema migrations, from the first version on. Never edit a shipped migration: add a new one.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE node_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                -- The change log: entry bytes fixed at record time, chained by hash.
                CREATE TABLE log (
                    seq INTEGER PRIMARY KEY,
                    hlc INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    hash BLOB NOT NULL
                );
                -- Queryable columns of each event; the event itself lives in its log entry.
                CREATE TABLE events (
                    id TEXT PRIMARY KEY,
                    seq INTEGER NOT NULL UNIQUE REFERENCES log(seq),
                    kind TEXT NOT NULL,
                    case_id TEXT NOT NULL,
                    service TEXT NOT NULL,
                    desa TEXT,
                    occurred_at TEXT NOT NULL,
                    subject TEXT
                );
                CREATE INDEX events_case ON events(case_id);
                -- What the aggregator has acknowledged (its latest signed receipt) and the last sync attempt.
                CREATE TABLE sync_state (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    acked_seq INTEGER NOT NULL DEFAULT 0,
                    acked_hash TEXT,
                    receipt TEXT,
                    last_sync_at TEXT,
                    last_attempt_at TEXT,
                    last_error TEXT
                );
                INSERT INTO sync_state(id) VALUES (1);
                """)
        }
        migrator.registerMigration("v2-sync-error-class") { db in
            // The class of the last failure and what to do, so `status` can tell a refusal retrying cannot fix.
            try db.execute(sql: """
                ALTER TABLE sync_state ADD COLUMN last_error_code TEXT;
                ALTER TABLE sync_state ADD COLUMN last_error_hint TEXT;
                """)
        }
        migrator.registerMigration("v3-feed") { db in
            try db.execute(sql: """
                -- The office a provider's own events are about, and the referral target.
                ALTER TABLE events ADD COLUMN case_node TEXT;
                ALTER TABLE events ADD COLUMN provider TEXT;
                -- The province's feed: where this node has read up to, and the latest rules it received.
                CREATE TABLE feed_state (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    cursor INTEGER NOT NULL DEFAULT 0,
                    moved_at TEXT,
                    pulled_at TEXT,
                    rules TEXT,
                    rules_version TEXT,
                    max_hlc INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO feed_state(id) VALUES (1);
                -- Other nodes' events on the cases this node takes part in, verbatim; (origin, seq) once.
                CREATE TABLE feed_events (
                    origin_node TEXT NOT NULL,
                    origin_seq INTEGER NOT NULL,
                    event_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    case_node TEXT NOT NULL,
                    case_id TEXT NOT NULL,
                    service TEXT NOT NULL,
                    provider TEXT,
                    hlc INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    cursor INTEGER NOT NULL,
                    PRIMARY KEY (origin_node, origin_seq)
                );
                CREATE INDEX feed_events_case ON feed_events(case_id, case_node);
                -- Local entries a recover replaced by the province's (a fork): kept as evidence, never sent.
                CREATE TABLE fork_evidence (
                    seq INTEGER NOT NULL,
                    hlc INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    hash BLOB NOT NULL,
                    event_id TEXT NOT NULL,
                    reappended_seq INTEGER,
                    recovered_at TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4-sync-error-message") { db in
            // The last failure as catalogue key and arguments, so `status` shows it in the operator's language.
            try db.execute(sql: """
                ALTER TABLE sync_state ADD COLUMN last_error_message TEXT;
                ALTER TABLE sync_state ADD COLUMN last_error_hint_message TEXT;
                """)
        }
        return migrator
    }()
}
