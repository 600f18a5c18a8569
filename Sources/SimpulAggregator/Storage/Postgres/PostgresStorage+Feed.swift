import Foundation
import Logging
import PostgresNIO
import SimpulCore

/// The feed, quarantine, rekey, recover and request counters on PostgreSQL: the same behaviour as `SQLiteStorage`,
/// statement for statement where it can be.
extension PostgresStorage {
    public func publishRules(_ rules: RulesDocument, at time: String) async throws -> Bool {
        let text = String(decoding: try JSONEncoder.sorted.encode(rules), as: UTF8.self)
        return try await run("publishing rules") { [client, logger] in
            try await client.withTransaction(logger: logger) { db in
                // Under the feed lock: two replicas starting together publish one version once.
                try await db.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.feedLock))", logger: logger)
                let latest = try await db.query("SELECT rules FROM feed WHERE node = '*' ORDER BY cursor DESC LIMIT 1", logger: logger)
                    .decode(String?.self).first { _ in true } ?? nil
                if let latest, let doc = try? JSONDecoder().decode(RulesDocument.self, from: Data(latest.utf8)), doc.version == rules.version {
                    return false
                }
                try await db.query("INSERT INTO feed(node, rules, created_at) VALUES ('*', \(text), \(time))", logger: logger)
                return true
            }
        }
    }

    /// At most this many waiting feed rows move in one sequencing transaction (it stays well inside its deadline).
    static let sequencingChunk: Int64 = 20_000

    /// Gives the feed rows pushes left in `feed_pending` their cursors: under the feed lock, held to this short
    /// transaction's commit, so cursors become visible in the order they were taken and a node that has read up to
    /// cursor C never later finds a row below C (a row still waiting gets a cursor above every one given so far).
    /// Each run moves the oldest waiting rows, up to `sequencingChunk`, so pushes committing together share one run
    /// (and its flush) instead of each holding the lock through its own commit. Answers how many rows it moved.
    @discardableResult
    func sequenceFeed() async throws -> Int {
        try await run("giving feed rows their cursors") { [client, logger] in
            try await client.withTransaction(logger: logger) { db in
                try await db.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.feedLock))", logger: logger)
                return try await db.query("""
                    WITH moved AS (
                        DELETE FROM feed_pending WHERE id IN (SELECT id FROM feed_pending ORDER BY id LIMIT \(Self.sequencingChunk))
                        RETURNING id, node, origin_node, origin_seq, created_at
                    )
                    INSERT INTO feed(node, origin_node, origin_seq, created_at)
                    SELECT node, origin_node, origin_seq, created_at FROM moved ORDER BY id
                    RETURNING cursor
                    """, logger: logger).collect().count
            }
        }
    }

    /// `sequenceFeed` after a write that has committed, until no full chunk is left: a failure is logged, not thrown
    /// (the write stands; its rows wait in `feed_pending` for the next run, which every feed read also makes while
    /// rows wait there).
    func sequenceFeedAfterWrite() async {
        do {
            while try await sequenceFeed() == Int(Self.sequencingChunk) {}
        } catch {
            logger.notice("feed rows left to the next sequencing run", metadata: ["error": "\(Self.describe(error))"])
        }
    }

    public func feed(node: String, after cursor: Int64, maxItems: Int, maxBytes: Int) async throws -> (items: [FeedItem], more: Bool) {
        // Rows a push committed but could not sequence (its replica stopped in between) are sequenced before reading.
        let waiting = try await run("reading the feed of \(node)") { [client] in
            try await client.query("SELECT EXISTS (SELECT 1 FROM feed_pending)").decode(Bool.self).first { _ in true } ?? false
        }
        if waiting { try await sequenceFeed() }
        return try await run("reading the feed of \(node)") { [client] in
            let limit = Int64(maxItems + 1)
            let rows = try await client.query("""
                SELECT f.cursor, f.rules, f.origin_node, f.origin_seq, e.bytes, e.hash FROM (
                    (SELECT cursor, rules, origin_node, origin_seq FROM feed WHERE node = \(node) AND cursor > \(cursor) ORDER BY cursor LIMIT \(limit))
                    UNION ALL
                    (SELECT cursor, rules, origin_node, origin_seq FROM feed WHERE node = '*' AND cursor > \(cursor) ORDER BY cursor LIMIT \(limit))
                ) f
                LEFT JOIN entries e ON e.node = f.origin_node AND e.seq = f.origin_seq
                ORDER BY f.cursor LIMIT \(limit)
                """)
            var items = [FeedItem]()
            var bytes = 0
            for try await (itemCursor, rules, originNode, originSeq, entry, hash) in rows.decode(
                (Int64, String?, String?, Int64?, Data?, Data?).self)
            {
                let size = (entry?.count ?? 0) + (rules?.utf8.count ?? 0)
                if items.count == maxItems || (!items.isEmpty && bytes + size > maxBytes) { return (items, true) }
                bytes += size
                if let rules {
                    items.append(FeedItem(cursor: itemCursor, rules: try JSONDecoder().decode(RulesDocument.self, from: Data(rules.utf8))))
                } else if let entry, let hash, let originNode, let originSeq {
                    items.append(FeedItem(cursor: itemCursor, node: originNode, seq: originSeq, entry: entry, hash: hash))
                }
            }
            return (items, false)
        }
    }

    public func rekey(node: String, publicKey: String, at time: String) async throws {
        try await run("rekeying \(node)") { [client, logger] in
            try await client.withTransaction(logger: logger) { db in
                guard let (oldKey, headSeq, revokedAt) = try await db.query(
                    "SELECT public_key, head_seq, revoked_at FROM nodes WHERE id = \(node) FOR UPDATE", logger: logger
                ).decode((String, Int64, String?).self).first(where: { _ in true }) else {
                    throw AggregatorError(Message(.aggNotEnrolledNothingChanged, ["node": node]), hint: Message(.aggEnrolWithNodesAdd), exitCode: 2)
                }
                if let other = try await db.query("SELECT id FROM nodes WHERE public_key = \(publicKey)", logger: logger)
                    .decode(String.self).first(where: { _ in true })
                {
                    throw AggregatorError(Message(.aggRekeyKeyInUse, ["other": other]), hint: Message(.aggRekeyKeyInUseHint), exitCode: 2)
                }
                if try await db.query("SELECT 1 FROM node_keys WHERE public_key = \(publicKey)", logger: logger)
                    .decode(Int32.self).first(where: { _ in true }) != nil
                {
                    throw AggregatorError(Message(.aggRekeyKeyRetired), hint: Message(.aggRekeyKeyRetiredHint), exitCode: 2)
                }
                if let revokedAt {
                    throw AggregatorError(Message(.aggRekeyRevoked, ["node": node, "at": revokedAt]), exitCode: 2)
                }
                try await db.query(
                    "INSERT INTO node_keys(node, public_key, until_seq, replaced_at) VALUES (\(node), \(oldKey), \(headSeq), \(time))",
                    logger: logger)
                try await db.query("UPDATE nodes SET public_key = \(publicKey) WHERE id = \(node)", logger: logger)
            }
        }
    }

    public func advanceCounter(node: String, to counter: Int64, seenAt: String?, clockSkewSeconds: Double?) async throws -> Int64? {
        try await run("checking the request counter of \(node)") { [client] in
            let advanced = try await client.query("""
                UPDATE nodes SET request_counter = \(counter), last_seen_at = COALESCE(\(seenAt), last_seen_at),
                    clock_skew_seconds = COALESCE(\(clockSkewSeconds), clock_skew_seconds)
                WHERE id = \(node) AND request_counter < \(counter)
                RETURNING id
                """).decode(String.self).first { _ in true }
            guard advanced == nil else { return nil }
            return try await client.query("SELECT request_counter FROM nodes WHERE id = \(node)").decode(Int64.self).first { _ in true } ?? 0
        }
    }

    public func retiredKeys(node: String) async throws -> [RetiredKey] {
        try await run("reading retired keys of \(node)") { [client] in
            var out = [RetiredKey]()
            let rows = try await client.query("SELECT public_key, until_seq, replaced_at FROM node_keys WHERE node = \(node) ORDER BY id")
            for try await (key, until, replaced) in rows.decode((String, Int64, String).self) {
                out.append(RetiredKey(publicKey: key, untilSeq: until, replacedAt: replaced))
            }
            return out
        }
    }

    public func resolveFork(node: String, seq: Int64, hash: Data, at time: String) async throws -> Bool {
        try await run("resolving the fork of \(node)") { [client, logger] in
            try await client.withTransaction(logger: logger) { db in
                let cleared = try await db.query("""
                    UPDATE nodes SET fork_seq = NULL
                    WHERE id = \(node) AND head_seq = \(seq) AND head_hash = \(hash) AND fork_seq IS NOT NULL RETURNING id
                    """, logger: logger).decode(String.self).first { _ in true }
                guard cleared != nil else { return false }
                try await db.query("UPDATE forks SET resolved_at = \(time) WHERE node = \(node) AND resolved_at IS NULL", logger: logger)
                return true
            }
        }
    }

    public func caseEvents(caseNode: String?) async throws -> [CaseEvent] {
        try await run("reading case events") { [client] in
            var out = [CaseEvent]()
            let rows = try await client.query("""
                SELECT e.node, e.seq, e.bytes FROM entries e
                WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.node = e.node AND q.seq = e.seq AND q.released_at IS NULL)
                AND (\(caseNode)::text IS NULL OR e.case_node = \(caseNode))
                ORDER BY e.node, e.seq
                """)
            for try await (node, seq, bytes) in rows.decode((String, Int64, Data).self) {
                let content = try LogEntry(seq: seq, bytes: bytes).decode()
                out.append(CaseEvent(node: node, seq: seq, hlc: content.hlc, event: content.event))
            }
            return out
        }
    }

    // MARK: - Quarantine

    static func quarantinedEntries(_ rows: PostgresRowSequence) async throws -> [QuarantinedEntry] {
        var out = [QuarantinedEntry]()
        for try await (node, seq, eventID, field, reason, at) in rows.decode((String, Int64, String, String, String, String).self) {
            out.append(QuarantinedEntry(node: node, seq: seq, eventID: eventID, field: field, reason: reason, quarantinedAt: at))
        }
        return out
    }

    public func quarantined(node: String?) async throws -> [QuarantinedEntry] {
        try await run("reading the quarantine") { [client] in
            try await Self.quarantinedEntries(client.query("""
                SELECT node, seq, event_id, field, reason, quarantined_at FROM quarantine
                WHERE released_at IS NULL AND (\(node)::text IS NULL OR node = \(node)) ORDER BY node, seq
                """))
        }
    }

    public func firstQuarantined(node: String) async throws -> QuarantinedEntry? {
        try await run("reading the quarantine of \(node)") { [client] in
            try await Self.quarantinedEntries(client.query("""
                SELECT node, seq, event_id, field, reason, quarantined_at FROM quarantine
                WHERE node = \(node) AND released_at IS NULL ORDER BY seq LIMIT 1
                """)).first
        }
    }

    public func release(_ entries: [QuarantinedEntry], at time: String) async throws -> Int {
        let released = try await run("releasing quarantined entries") { [client, logger] in
            try await client.withTransaction(logger: logger) { db in
                // The nodes' rows first, in one order: a push holds its node's row before routing's locks, so taking a
                // row after them here could deadlock with it.
                let nodes = Array(Set(entries.map(\.node))).sorted()
                _ = try await db.query("SELECT id FROM nodes WHERE id = ANY(\(nodes)) ORDER BY id FOR UPDATE", logger: logger).collect()
                var released = 0
                for entry in entries {
                    let done = try await db.query("""
                        UPDATE quarantine SET released_at = \(time) WHERE node = \(entry.node) AND seq = \(entry.seq) AND released_at IS NULL
                        RETURNING seq
                        """, logger: logger).decode(Int64.self).first { _ in true }
                    guard done != nil else { continue }
                    released += 1
                    try await db.query("UPDATE nodes SET quarantined = GREATEST(0, quarantined - 1) WHERE id = \(entry.node)", logger: logger)
                    // Released entries now reach the feeds of their cases, like any stored entry.
                    let stored = try await Self.storedEntries(db.query(
                        "SELECT \(unescaped: Self.entryColumns) FROM entries WHERE node = \(entry.node) AND seq = \(entry.seq)", logger: logger))
                    try await Self.route(stored, skipping: [], at: time, in: db, logger: logger)
                    // ... and count in the figures: their cases are folded again by the next figure update.
                    for entry in stored {
                        try await db.query("""
                            INSERT INTO figure_dirty(case_node, case_id) VALUES (\(entry.caseNode ?? entry.node), \(entry.caseID))
                            ON CONFLICT DO NOTHING
                            """, logger: logger)
                    }
                }
                return released
            }
        }
        if released > 0 { feedSequencer.poke() }
        return released
    }
}
