import Foundation
import Logging
import NIOCore
import PostgresNIO
import SimpulCore

/// A push's commit on PostgreSQL: one transaction of a few statements whatever the batch size (the rows travel as
/// arrays and are unnested server-side, not a statement per entry).
extension PostgresStorage {
    public func commit(_ commit: IngestCommit) async throws -> CommitOutcome {
        do {
            let feedRows = try await run("storing a push of \(commit.node)") { [client, logger] in
                try await client.withTransaction(logger: logger) { db in
                    try await Self.apply(commit, in: db, logger: logger)
                }
            }
            // Stored: the receipt stands whatever happens next. Its feed rows get their cursors in the replica's next
            // sequencing run, not awaited here (a feed read sequences waiting rows itself, so none is missed).
            if feedRows > 0 { feedSequencer.poke() }
            return .committed
        } catch let duplicate as DuplicateEvent {
            return duplicate.outcome
        } catch let moved as HeadMoved {
            _ = moved
            return .headMoved
        }
    }

    /// Thrown inside the transaction to roll it back with an outcome.
    struct DuplicateEvent: Error { var outcome: CommitOutcome }
    struct HeadMoved: Error {}

    /// The push's statements; answers how many feed rows it left in `feed_pending`.
    static func apply(_ commit: IngestCommit, in db: PostgresConnection, logger: Logger) async throws -> Int {
        // Compare-and-swap first: the row stays locked to the commit, so a second replica's push of this node waits
        // here and then finds the head moved (READ COMMITTED re-checks the WHERE on the new row).
        let swapped = try await db.query("""
            UPDATE nodes SET head_seq = \(commit.newHeadSeq), head_hash = \(commit.newHeadHash),
                last_seen_at = COALESCE(\(commit.seenAt), last_seen_at),
                clock_skew_seconds = COALESCE(\(commit.clockSkewSeconds), clock_skew_seconds),
                quarantined = quarantined + \(Int64(commit.quarantine.count)),
                reported_backlog = COALESCE(\(commit.reportedBacklog), reported_backlog)
            WHERE id = \(commit.node) AND head_seq = \(commit.expectedHeadSeq) AND revoked_at IS NULL AND fork_seq IS NULL
            RETURNING id
            """, logger: logger).decode(String.self).first { _ in true }
        guard swapped != nil else { throw HeadMoved() }

        let entries = commit.entries
        let inserted = try await db.query("""
            INSERT INTO entries(node, seq, bytes, hash, event_id, kind, service, case_id, desa, occurred_at, case_node, provider)
            SELECT node, seq, bytes, hash, event_id, kind, service, case_id, NULLIF(desa, ''), occurred_at, case_node, NULLIF(provider, '')
            FROM unnest(\(entries.map(\.node)), \(entries.map(\.seq)), \(entries.map { ByteBuffer(data: $0.bytes) }),
                        \(entries.map { ByteBuffer(data: $0.hash) }), \(entries.map(\.eventID)), \(entries.map(\.kind)),
                        \(entries.map(\.service)), \(entries.map(\.caseID)), \(entries.map { $0.desa ?? "" }),
                        \(entries.map(\.occurredAt)), \(entries.map { $0.caseNode ?? $0.node }), \(entries.map { $0.provider ?? "" }))
                AS t(node, seq, bytes, hash, event_id, kind, service, case_id, desa, occurred_at, case_node, provider)
            ON CONFLICT DO NOTHING
            RETURNING seq
            """, logger: logger).decode(Int64.self).reduce(into: Set<Int64>()) { $0.insert($1) }
        if inserted.count != entries.count {
            // (node, seq) cannot collide under the head check, so an event id stored before: roll back, say where.
            let missing = entries.first { !inserted.contains($0.seq) }!
            let other = try await db.query("SELECT node, seq FROM entries WHERE event_id = \(missing.eventID)", logger: logger)
                .decode((String, Int64).self).first { _ in true }
            throw DuplicateEvent(outcome: .duplicateEvent(id: missing.eventID, node: other?.0 ?? "?", seq: other?.1 ?? 0))
        }

        let q = commit.quarantine
        if !q.isEmpty {
            try await db.query("""
                INSERT INTO quarantine(node, seq, event_id, field, reason, quarantined_at)
                SELECT * FROM unnest(\(q.map(\.node)), \(q.map(\.seq)), \(q.map(\.eventID)), \(q.map(\.field)), \(q.map(\.reason)),
                                     \(q.map(\.quarantinedAt)))
                """, logger: logger)
        }

        let b = commit.batch
        try await db.query("""
            INSERT INTO batches(node, from_seq, to_seq, prev_hash, last_hash, signature, received_at, clock)
            VALUES (\(b.node), \(b.fromSeq), \(b.toSeq), \(b.prevHash), \(b.lastHash), \(b.signature), \(b.receivedAt), \(b.clock))
            ON CONFLICT (node, to_seq) DO UPDATE SET from_seq = EXCLUDED.from_seq, prev_hash = EXCLUDED.prev_hash,
                last_hash = EXCLUDED.last_hash, signature = EXCLUDED.signature, received_at = EXCLUDED.received_at, clock = EXCLUDED.clock
            RETURNING pg_notify(\(PostgresHeadListener.channel), \(commit.node + " " + String(commit.newHeadSeq)))
            """, logger: logger)
        // Last: routing takes its per-case locks, held to the commit (its feed rows wait in feed_pending, unlocked).
        return try await route(entries, skipping: Set(q.map(\.seq)), at: commit.batch.receivedAt, in: db, logger: logger)
    }

    /// Routes stored entries (not held) to the feeds of their cases' nodes (`CaseRouting`), inside the caller's
    /// transaction; answers how many feed rows it added (to `feed_pending`).
    @discardableResult
    static func route(_ entries: [StoredEntry], skipping held: Set<Int64>, at time: String, in db: PostgresConnection,
                      logger: Logger) async throws -> Int {
        let routed = entries.filter { !held.contains($0.seq) }
        guard !routed.isEmpty else { return 0 }
        var known = [String: [String]]()
        let offices = routed.map { $0.caseNode ?? $0.node }, cases = routed.map(\.caseID)
        // One lock per case, in one order, before its routes and entries are read: a referral adding a provider and
        // another participant's event on the same case (at another replica) are routed one after the other, so the new
        // provider gets that event either in its catch-up or as a participant (SQLite has one writer, so it never races).
        try await db.query("""
            SELECT count(pg_advisory_xact_lock(\(PostgresSchema.caseLockSpace), k)) FROM (
                SELECT DISTINCT hashtext(o || chr(1) || c) AS k FROM unnest(\(offices), \(cases)) AS t(o, c) ORDER BY k
            ) s
            """, logger: logger)
        // By the primary key's columns as arrays, which PostgreSQL answers from the index: a join against the unnested
        // pairs was planned as a hash join over a sequential scan of every route, per push (ingest grew with the
        // table). The arrays' cross product may name pairs this batch has not; those rows are left out here.
        let pairs = Set(zip(offices, cases).map { CaseRouting.key(office: $0, caseID: $1) })
        for try await (office, caseID, provider) in try await db.query("""
            SELECT office, case_id, provider FROM case_routes
            WHERE office = ANY(\(Array(Set(offices)))) AND case_id = ANY(\(Array(Set(cases))))
            """, logger: logger).decode((String, String, String).self) {
            let key = CaseRouting.key(office: office, caseID: caseID)
            if pairs.contains(key) { known[key, default: []].append(provider) }
        }
        // The earlier entries of each case a referral in this batch names (read once per case, this batch's included).
        var earlier = [String: [(node: String, seq: Int64)]]()
        let referred = routed.filter { $0.kind == EventKind.requestReferred.rawValue && $0.provider != nil && ($0.caseNode ?? $0.node) == $0.node }
        if !referred.isEmpty {
            for try await (office, caseID, node, seq) in try await db.query("""
                SELECT e.case_node, e.case_id, e.node, e.seq FROM entries e
                JOIN (SELECT DISTINCT * FROM unnest(\(referred.map(\.node)), \(referred.map(\.caseID))) AS c(office, case_id)) c
                    ON e.case_node = c.office AND e.case_id = c.case_id
                WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.node = e.node AND q.seq = e.seq AND q.released_at IS NULL)
                ORDER BY e.node, e.seq
                """, logger: logger).decode((String, String, String, Int64).self) {
                earlier[CaseRouting.key(office: office, caseID: caseID), default: []].append((node, seq))
            }
        }
        let routing = CaseRouting(routed, skipping: [], known: known) { office, caseID, node, seq in
            (earlier[CaseRouting.key(office: office, caseID: caseID)] ?? []).filter { !($0.node == node && $0.seq == seq) }
        }
        let routes = routing.newRoutes
        if !routes.isEmpty {
            try await db.query("""
                INSERT INTO case_routes(office, case_id, provider)
                SELECT * FROM unnest(\(routes.map(\.office)), \(routes.map(\.caseID)), \(routes.map(\.provider)))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        try await addFeedRows(routing.feedRows, at: time, in: db, logger: logger)
        return routing.feedRows.count
    }

    /// Adds feed rows to `feed_pending` inside the caller's transaction, without a lock: they are durable with the
    /// push, and `sequenceFeed` gives them their cursors once it has committed.
    static func addFeedRows(_ rows: [CaseRouting.FeedRow], at time: String, in db: PostgresConnection, logger: Logger) async throws {
        guard !rows.isEmpty else { return }
        try await db.query("""
            INSERT INTO feed_pending(node, origin_node, origin_seq, created_at)
            SELECT node, origin_node, origin_seq, \(time) FROM unnest(\(rows.map(\.node)), \(rows.map(\.originNode)), \(rows.map(\.originSeq)))
                WITH ORDINALITY AS t(node, origin_node, origin_seq, n)
            ORDER BY n
            """, logger: logger)
    }
}

extension ByteBuffer {
    init(data: Data) {
        self.init(bytes: data)
    }
}
