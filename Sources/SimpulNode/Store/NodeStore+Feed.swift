import Foundation
import GRDB
import SimpulCore

/// Where this node has read the province's feed up to, and the rules it received.
public struct FeedState: Sendable, Equatable {
    public var cursor: Int64
    /// When the cursor last moved (a page with items was applied), and when the feed was last read.
    public var movedAt: String?
    public var pulledAt: String?
    public var rules: RulesDocument?
    /// The largest clock stamp among received events: the node's own stamps stay above it.
    public var maxHLC: Int64
}

/// What applying one feed page did.
public struct FeedApplied: Sendable, Equatable {
    public var entries = 0
    public var rules: RulesDocument?
    /// False when the cursor had already moved past the page (pulled twice: applied once).
    public var applied = true
}

/// A referral this (provider) node received: what its own events on the case are filled from.
public struct ReceivedReferral: Sendable, Equatable {
    public var caseNode: String
    public var caseID: String
    public var service: String
}

extension NodeStore {
    public func feedState() throws(NodeError) -> FeedState {
        try read(.opReadFeedState) { db in try Self.feedState(db) }
    }

    static func feedState(_ db: Database) throws -> FeedState {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM feed_state WHERE id = 1") else {
            return FeedState(cursor: 0, movedAt: nil, pulledAt: nil, rules: nil, maxHLC: 0)
        }
        let rules = (row["rules"] as String?).flatMap { try? JSONDecoder().decode(RulesDocument.self, from: Data($0.utf8)) }
        return FeedState(cursor: row["cursor"], movedAt: row["moved_at"], pulledAt: row["pulled_at"], rules: rules, maxHLC: row["max_hlc"])
    }

    /// Applies a page and moves the cursor in one transaction. A page that does not start at the stored cursor (read
    /// twice, or by two syncs at once) changes nothing. Entries of this node itself are never taken from the feed.
    public func applyFeedPage(_ page: FeedPage, node: String, at time: Date) throws(NodeError) -> FeedApplied {
        let checked: CheckedFeedPage
        do { checked = try page.checked(forNode: node) } catch {
            switch error.reason {
            case .outsidePage: throw NodeError(.serverError, .verbatim(error.message), hint: Message(.syncAgainReport))
            case .badRules:
                throw NodeError(.serverError, .verbatim(error.message), hint: Message(.feedBadRulesHint))
            case .badItem: throw NodeError(.serverError, error.message)
            }
        }
        let rules = checked.rules
        return try write(.opApplyFeedPage) { db in
            let state = try Self.feedState(db)
            guard state.cursor == page.after else { return FeedApplied(applied: false) }
            var applied = FeedApplied(rules: rules)
            var maxHLC = state.maxHLC
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO feed_events(origin_node, origin_seq, event_id, kind, case_node, case_id, service, provider, hlc, bytes, cursor)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for d in checked.entries {
                let e = d.content.event
                try insert.execute(arguments: [d.content.node, d.content.seq, e.id, e.kind.rawValue, e.caseNode ?? d.content.node, e.caseID,
                                               e.service, e.provider, d.content.hlc, d.bytes, d.item.cursor])
                applied.entries += db.changesCount
                maxHLC = max(maxHLC, d.content.hlc)
            }
            let stamp = RFC3339.format(time)
            let rulesText = try rules.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            try db.execute(sql: """
                UPDATE feed_state SET cursor = ?, pulled_at = ?, moved_at = CASE WHEN ? THEN ? ELSE moved_at END,
                rules = COALESCE(?, rules), rules_version = COALESCE(?, rules_version), max_hlc = ? WHERE id = 1
                """, arguments: [page.next, stamp, page.next != page.after, stamp, rulesText, rules?.version, maxHLC])
            return applied
        }
    }

    /// The referral of `caseID` to `provider` this node received (of the office `caseNode`, when given).
    public func receivedReferral(caseID: String, provider: String, caseNode: String?) throws(NodeError) -> [ReceivedReferral] {
        try read(.opReadReferrals) { db in
            var sql = "SELECT DISTINCT case_node, case_id, service FROM feed_events WHERE case_id = ? AND kind = 'request.referred' AND provider = ?"
            var arguments: StatementArguments = [caseID, provider]
            if let caseNode {
                sql += " AND case_node = ?"
                arguments += [caseNode]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                ReceivedReferral(caseNode: $0["case_node"], caseID: $0["case_id"], service: $0["service"])
            }
        }
    }

    /// Every event this node holds, its own and the feed's, for the case fold.
    public func caseEvents(node: String) throws(NodeError) -> [CaseEvent] {
        try read(.opReadCases) { db in
            var out = [CaseEvent]()
            for table in ["log", "feed_events"] {
                let sql = table == "log" ? "SELECT seq, bytes FROM log" : "SELECT origin_seq AS seq, bytes FROM feed_events"
                let rows = try Row.fetchCursor(db, sql: sql)
                while let row = try rows.next() {
                    let content = try LogEntry(seq: row["seq"], bytes: row["bytes"]).decode()
                    out.append(CaseEvent(node: content.node, seq: content.seq, hlc: content.hlc, event: content.event))
                }
            }
            return out
        }
    }
}
