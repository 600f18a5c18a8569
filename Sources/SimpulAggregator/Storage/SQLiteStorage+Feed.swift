import Foundation
import GRDB
import SimpulCore

/// The feed on SQLite: routes each stored entry to every node taking part in its case, keeps published rules, and
/// reads a node's feed by cursor. Routing runs inside the ingest transaction, so an entry and its feed rows are
/// stored together or not at all.
extension SQLiteStorage {
    static func registerFeedMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-feed") { db in
            try db.execute(sql: """
                -- The node whose case an entry is about (the recording node, or the office a provider's event names),
                -- and the referral target: what routing and the case fold read.
                ALTER TABLE entries ADD COLUMN case_node TEXT;
                ALTER TABLE entries ADD COLUMN provider TEXT;
                UPDATE entries SET case_node = node;
                CREATE INDEX entries_case ON entries(case_node, case_id);
                -- Which providers each office's case was referred to: they receive every event of it.
                CREATE TABLE case_routes (
                    office TEXT NOT NULL,
                    case_id TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    PRIMARY KEY (office, case_id, provider)
                ) WITHOUT ROWID;
                -- Each node's feed: rules (node '*', for every node) and other nodes' entries, in one cursor sequence.
                CREATE TABLE feed (
                    cursor INTEGER PRIMARY KEY AUTOINCREMENT,
                    node TEXT NOT NULL,
                    origin_node TEXT,
                    origin_seq INTEGER,
                    rules TEXT,
                    created_at TEXT NOT NULL
                );
                -- No unique index on (node, origin_node, origin_seq): routing sends each entry to each node once by
                -- construction (at its commit, by a new route's backfill, or at its release from quarantine), and a
                -- node stores an entry once whatever it is sent; the index cost a B-tree insert per feed row.
                CREATE INDEX feed_node ON feed(node, cursor);
                -- Keys a node had before a rekey: each signed the batches up to until_seq.
                CREATE TABLE node_keys (
                    node TEXT NOT NULL,
                    public_key TEXT NOT NULL,
                    until_seq INTEGER NOT NULL,
                    replaced_at TEXT NOT NULL
                );
                -- A fork resolved by the node's recover: kept on record, no longer blocking.
                ALTER TABLE forks ADD COLUMN resolved_at TEXT;
                """)
        }
    }

    /// Routes committed entries (not held in quarantine) to the feeds of the nodes taking part in their cases.
    /// Statements are prepared once per connection, and each case's providers read once per call.
    static func route(_ entries: [StoredEntry], skipping held: Set<Int64>, at time: String, in db: Database) throws {
        let addRoute = try db.cachedStatement(sql: "INSERT OR IGNORE INTO case_routes(office, case_id, provider) VALUES (?, ?, ?)")
        let addItem = try FeedInsert(db)
        let earlierOf = try db.cachedStatement(sql: """
            SELECT e.node, e.seq FROM entries e WHERE e.case_node = ? AND e.case_id = ? AND NOT (e.node = ? AND e.seq = ?)
            AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.node = e.node AND q.seq = e.seq AND q.released_at IS NULL)
            ORDER BY e.rowid
            """)
        let routing = try CaseRouting(entries, skipping: held, known: try routes(of: entries, in: db)) { office, caseID, node, seq in
            try Row.fetchAll(earlierOf, arguments: [office, caseID, node, seq]).map { (node: $0["node"], seq: $0["seq"]) }
        }
        for route in routing.newRoutes {
            try addRoute.execute(arguments: [route.office, route.caseID, route.provider])
        }
        for row in routing.feedRows {
            try addItem.step(node: row.node, origin: row.originNode, seq: row.originSeq, at: time, in: db)
        }
    }

    /// The providers of every case the entries name, keyed office + U+0001 + case id: one query per office and
    /// up to 500 cases, not one per entry.
    static func routes(of entries: [StoredEntry], in db: Database) throws -> [String: [String]] {
        var casesByOffice = [String: Set<String>]()
        for e in entries { casesByOffice[e.caseNode ?? e.node, default: []].insert(e.caseID) }
        var known = [String: [String]]()
        for (office, cases) in casesByOffice {
            let all = Array(cases)
            for start in stride(from: 0, to: all.count, by: 500) {
                let chunk = all[start..<min(start + 500, all.count)]
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT case_id, provider FROM case_routes WHERE office = ? AND case_id IN (\(marks))",
                    arguments: StatementArguments([office] + chunk))
                while let row = try rows.next() { known[CaseRouting.key(office: office, caseID: row[0]), default: []].append(row[1]) }
            }
        }
        return known
    }

    public func publishRules(_ rules: RulesDocument, at time: String) async throws -> Bool {
        let text = String(decoding: try JSONEncoder.sorted.encode(rules), as: UTF8.self)
        return try await pool.write { db in
            let latest = try String.fetchOne(db, sql: "SELECT rules FROM feed WHERE node = '*' ORDER BY cursor DESC LIMIT 1")
            if let latest, let doc = try? JSONDecoder().decode(RulesDocument.self, from: Data(latest.utf8)), doc.version == rules.version {
                return false
            }
            try db.execute(sql: "INSERT INTO feed(node, rules, created_at) VALUES ('*', ?, ?)", arguments: [text, time])
            return true
        }
    }

    public func feed(node: String, after cursor: Int64, maxItems: Int, maxBytes: Int) async throws -> (items: [FeedItem], more: Bool) {
        try await pool.read { db in
            // Each half walks its own stretch of the (node, cursor) index from `cursor`: a page costs its own rows, never
            // the rest of the feed (`node IN (...)` would read every later row of both and sort them).
            let rows = try Row.fetchCursor(db, sql: """
                SELECT f.cursor, f.rules, f.origin_node, f.origin_seq, e.bytes, e.hash FROM (
                    SELECT * FROM (SELECT cursor, rules, origin_node, origin_seq FROM feed WHERE node = ? AND cursor > ? ORDER BY cursor LIMIT ?)
                    UNION ALL
                    SELECT * FROM (SELECT cursor, rules, origin_node, origin_seq FROM feed WHERE node = '*' AND cursor > ? ORDER BY cursor LIMIT ?)
                ) f
                LEFT JOIN entries e ON e.node = f.origin_node AND e.seq = f.origin_seq
                ORDER BY f.cursor LIMIT ?
                """, arguments: [node, cursor, maxItems + 1, cursor, maxItems + 1, maxItems + 1])
            var items = [FeedItem]()
            var bytes = 0
            while let row = try rows.next() {
                let size = ((row["bytes"] as Data?)?.count ?? 0) + ((row["rules"] as String?)?.utf8.count ?? 0)
                if items.count == maxItems || (!items.isEmpty && bytes + size > maxBytes) { return (items, true) }
                bytes += size
                if let text = row["rules"] as String? {
                    let rules = try JSONDecoder().decode(RulesDocument.self, from: Data(text.utf8))
                    items.append(FeedItem(cursor: row["cursor"], rules: rules))
                } else if let entry = row["bytes"] as Data? {
                    items.append(FeedItem(cursor: row["cursor"], node: row["origin_node"], seq: row["origin_seq"], entry: entry, hash: row["hash"]))
                }
            }
            return (items, false)
        }
    }

    public func rekey(node: String, publicKey: String, at time: String) async throws {
        try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT public_key, head_seq, revoked_at FROM nodes WHERE id = ?", arguments: [node]) else {
                throw AggregatorError(Message(.aggNotEnrolledNothingChanged, ["node": node]), hint: Message(.aggEnrolWithNodesAdd), exitCode: 2)
            }
            if let other = try String.fetchOne(db, sql: "SELECT id FROM nodes WHERE public_key = ?", arguments: [publicKey]) {
                throw AggregatorError(Message(.aggRekeyKeyInUse, ["other": other]), hint: Message(.aggRekeyKeyInUseHint), exitCode: 2)
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM node_keys WHERE public_key = ?", arguments: [publicKey]) == true {
                throw AggregatorError(Message(.aggRekeyKeyRetired), hint: Message(.aggRekeyKeyRetiredHint), exitCode: 2)
            }
            if let revokedAt = row["revoked_at"] as String? {
                throw AggregatorError(Message(.aggRekeyRevoked, ["node": node, "at": revokedAt]), exitCode: 2)
            }
            try db.execute(sql: "INSERT INTO node_keys(node, public_key, until_seq, replaced_at) VALUES (?, ?, ?, ?)",
                           arguments: [node, row["public_key"] as String, row["head_seq"] as Int64, time])
            try db.execute(sql: "UPDATE nodes SET public_key = ? WHERE id = ?", arguments: [publicKey, node])
        }
    }

    public func advanceCounter(node: String, to counter: Int64, seenAt: String?, clockSkewSeconds: Double?) async throws -> Int64? {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE nodes SET request_counter = ?, last_seen_at = COALESCE(?, last_seen_at),
                        clock_skew_seconds = COALESCE(?, clock_skew_seconds)
                    WHERE id = ? AND request_counter < ?
                    """,
                arguments: [counter, seenAt, clockSkewSeconds, node, counter])
            guard db.changesCount == 0 else { return nil }
            return try Int64.fetchOne(db, sql: "SELECT request_counter FROM nodes WHERE id = ?", arguments: [node]) ?? 0
        }
    }

    public func retiredKeys(node: String) async throws -> [RetiredKey] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM node_keys WHERE node = ? ORDER BY rowid", arguments: [node]).map {
                RetiredKey(publicKey: $0["public_key"], untilSeq: $0["until_seq"], replacedAt: $0["replaced_at"])
            }
        }
    }

    public func resolveFork(node: String, seq: Int64, hash: Data, at time: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE nodes SET fork_seq = NULL WHERE id = ? AND head_seq = ? AND head_hash = ? AND fork_seq IS NOT NULL",
                           arguments: [node, seq, hash])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "UPDATE forks SET resolved_at = ? WHERE node = ? AND resolved_at IS NULL", arguments: [time, node])
            return true
        }
    }

    public func caseEvents(caseNode: String?) async throws -> [CaseEvent] {
        try await pool.read { db in
            var sql = """
                SELECT e.node, e.seq, e.bytes FROM entries e
                WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.node = e.node AND q.seq = e.seq AND q.released_at IS NULL)
                """
            var arguments: StatementArguments = []
            if let caseNode {
                sql += " AND e.case_node = ?"
                arguments = [caseNode]
            }
            var out = [CaseEvent]()
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() {
                let content = try LogEntry(seq: row["seq"], bytes: row["bytes"]).decode()
                out.append(CaseEvent(node: row["node"], seq: row["seq"], hlc: content.hlc, event: content.event))
            }
            return out
        }
    }
}

extension JSONEncoder {
    /// Keys sorted: the same value always encodes to the same bytes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
