import Foundation
import GRDB
import SimpulCore

/// What a recover did: the province's entries adopted, the local events re-appended after them, the evidence kept.
public struct RecoverReport: Sendable, Codable, Equatable {
    public var node: String
    /// The first seq at which this node's log differed from the province's (nil: it did not differ).
    public var divergedAt: Int64?
    /// Entries taken from the province (their seqs).
    public var adopted: Int
    public var adoptedFrom: Int64?
    public var adoptedThrough: Int64?
    /// Local events the province did not have, appended again after its head: event id, old seq, new seq.
    public var reappended: [Moved]
    /// Local entries replaced by the province's, kept in `fork_evidence` (`simpul recover --evidence`).
    public var evidence: [Int64]
    public var headSeq: Int64
    /// The aggregator accepted the node again (the fork stays on its record, marked resolved).
    public var aggregatorResolved: Bool

    public struct Moved: Sendable, Codable, Equatable {
        public var id: String
        public var oldSeq: Int64
        public var newSeq: Int64

        enum CodingKeys: String, CodingKey {
            case id
            case oldSeq = "old_seq"
            case newSeq = "new_seq"
        }
    }

    enum CodingKeys: String, CodingKey {
        case node, adopted, reappended, evidence
        case divergedAt = "diverged_at"
        case adoptedFrom = "adopted_from"
        case adoptedThrough = "adopted_through"
        case headSeq = "head_seq"
        case aggregatorResolved = "aggregator_resolved"
    }
}

/// An entry of this node's own log as the province holds it, checked against its hash.
public struct ProvinceEntry: Sendable, Equatable {
    public var seq: Int64
    public var bytes: Data
    public var hash: Data
}

extension NodeStore {
    /// Checks that `entries` continue this node's chain from `seq`/`hash` (each hash recomputed), and returns the
    /// decoded contents. Throws naming the first entry that does not.
    static func verifyProvinceChain(_ entries: [ProvinceEntry], node: String, after seq: Int64, hash: Data) throws(NodeError) -> [LogEntry.Content] {
        var verifier = ChainVerifier(node: node, after: seq, hash: hash)
        var out = [LogEntry.Content]()
        out.reserveCapacity(entries.count)
        for e in entries {
            do { out.append(try verifier.append(LogEntry(seq: e.seq, bytes: e.bytes), storedHash: e.hash)) } catch {
                throw NodeError(.fork, Message(.adoptBrokenChain, ["seq": error.seq, "reason": error.reason]), hint: Message(.adoptBrokenChainHint))
            }
        }
        return out
    }

    /// Appends the province's copy of this node's own entries after the local head, verbatim (rebuild, or a restore
    /// from an old backup without new events). All or nothing; the chain is checked before anything is written.
    public func adoptProvinceEntries(_ entries: [ProvinceEntry], node: String) throws(NodeError) -> Int {
        guard let first = entries.first else { return 0 }
        let head = try head()
        guard first.seq == head.seq + 1 else {
            throw NodeError(.storage, Message(.adoptGap, ["first": first.seq, "head": head.seq]), hint: Message(.syncAgain))
        }
        let contents = try Self.verifyProvinceChain(entries, node: node, after: head.seq, hash: head.hash)
        return try write(.opAdopt) { db in
            guard try Self.head(db).seq == head.seq else { return 0 }
            try Self.insert(entries, contents: contents, in: db)
            return entries.count
        }
    }

    static func insert(_ entries: [ProvinceEntry], contents: [LogEntry.Content], in db: Database) throws {
        let insertLog = try db.cachedStatement(sql: "INSERT INTO log(seq, hlc, bytes, hash) VALUES (?, ?, ?, ?)")
        let insertEvent = try db.cachedStatement(sql: """
            INSERT INTO events(id, seq, kind, case_id, service, desa, occurred_at, subject, case_node, provider)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (e, c) in zip(entries, contents) {
            try insertLog.execute(arguments: [e.seq, c.hlc, e.bytes, e.hash])
            let v = c.event
            try insertEvent.execute(arguments: [v.id, e.seq, v.kind.rawValue, v.caseID, v.service, v.desa, v.occurredAt, v.subject, v.caseNode, v.provider])
        }
    }

    /// The fork path: the province's log is the truth. From `divergedAt` on, local entries move to `fork_evidence`,
    /// the province's entries take their seqs, and local events the province does not have are appended again after
    /// its head (same event ids and bytes, new seqs and stamps). One transaction: all of it, or nothing.
    public func rewriteOnProvince(_ province: [ProvinceEntry], divergedAt: Int64, node: String, at time: Date,
                                  wallMillis: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) })
        throws(NodeError) -> (reappended: [RecoverReport.Moved], evidence: [Int64])
    {
        let base = divergedAt - 1
        guard let baseHash = try hash(at: base) else {
            throw NodeError(.storage, Message(.adoptNoBase, ["seq": base]))
        }
        let contents = try Self.verifyProvinceChain(province, node: node, after: base, hash: baseHash)
        let provinceIDs = Set(contents.map(\.event.id))
        return try write(.opRecover) { db in
            let local = try Row.fetchAll(db, sql: "SELECT seq, hlc, bytes, hash FROM log WHERE seq >= ? ORDER BY seq", arguments: [divergedAt])
            let stamp = RFC3339.format(time)
            var evidence = [Int64]()
            var toReappend = [(seq: Int64, event: Event, rules: String?)]()
            for row in local {
                let bytes: Data = row["bytes"]
                let content = try LogEntry(seq: row["seq"], bytes: bytes).decode()
                try db.execute(sql: "INSERT INTO fork_evidence(seq, hlc, bytes, hash, event_id, recovered_at) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [row["seq"] as Int64, row["hlc"] as Int64, bytes, row["hash"] as Data, content.event.id, stamp])
                evidence.append(row["seq"])
                if !provinceIDs.contains(content.event.id) { toReappend.append((row["seq"], content.event, content.rules)) }
            }
            try db.execute(sql: "DELETE FROM events WHERE seq >= ?", arguments: [divergedAt])
            try db.execute(sql: "DELETE FROM log WHERE seq >= ?", arguments: [divergedAt])
            try Self.insert(province, contents: contents, in: db)
            var head = try Self.head(db)
            let received = try Int64.fetchOne(db, sql: "SELECT max_hlc FROM feed_state WHERE id = 1") ?? 0
            var clock = HybridLogicalClock(last: max(head.hlc, HLCTimestamp(packed: received)))
            var moved = [RecoverReport.Moved]()
            for item in toReappend {
                let seq = head.seq + 1
                let hlc = clock.tick(wallMillis: wallMillis())
                let json = try item.event.canonicalJSON()
                let bytes = LogEntry.encode(seq: seq, node: node, hlc: hlc, eventJSON: json, rules: item.rules)
                let hash = ChainHash.next(previous: head.hash, entry: bytes)
                let content = LogEntry.Content(event: item.event, hlc: hlc.packed, node: node, seq: seq, rules: item.rules)
                try Self.insert([ProvinceEntry(seq: seq, bytes: bytes, hash: hash)], contents: [content], in: db)
                try db.execute(sql: "UPDATE fork_evidence SET reappended_seq = ? WHERE seq = ? AND recovered_at = ?", arguments: [seq, item.seq, stamp])
                head = Head(seq: seq, hash: hash, hlc: hlc)
                moved.append(.init(id: item.event.id, oldSeq: item.seq, newSeq: seq))
            }
            return (moved, evidence)
        }
    }

    /// Entries a recover kept as evidence, oldest first.
    public func forkEvidence() throws(NodeError) -> [(seq: Int64, eventID: String, reappendedSeq: Int64?, recoveredAt: String)] {
        try read(.opReadEvidence) { db in
            try Row.fetchAll(db, sql: "SELECT seq, event_id, reappended_seq, recovered_at FROM fork_evidence ORDER BY rowid").map {
                (seq: $0["seq"], eventID: $0["event_id"], reappendedSeq: $0["reappended_seq"], recoveredAt: $0["recovered_at"])
            }
        }
    }

    /// Set by `init --recover`: recording waits until the first sync has pulled this node's log back.
    public func rebuildPending() throws(NodeError) -> Bool {
        try read(.opReadNodeState) { db in
            try String.fetchOne(db, sql: "SELECT value FROM node_meta WHERE key = 'rebuild_pending'") != nil
        }
    }

    public func setRebuildPending(_ pending: Bool) throws(NodeError) {
        try write(.opSaveNodeState) { db in
            if pending {
                try db.execute(sql: "INSERT OR REPLACE INTO node_meta(key, value) VALUES ('rebuild_pending', '1')")
            } else {
                try db.execute(sql: "DELETE FROM node_meta WHERE key = 'rebuild_pending'")
            }
        }
    }
}
