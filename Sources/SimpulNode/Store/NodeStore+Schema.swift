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
        return migrator
    }()
}
