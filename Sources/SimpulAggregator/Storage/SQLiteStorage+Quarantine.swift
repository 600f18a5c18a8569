import Foundation
import GRDB
import SimpulCore

extension SQLiteStorage {
    public func quarantined(node: String?) async throws -> [QuarantinedEntry] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM quarantine WHERE released_at IS NULL AND (? IS NULL OR node = ?) ORDER BY node, seq",
                arguments: [node, node]
            ).map(Self.quarantinedEntry)
        }
    }

    public func firstQuarantined(node: String) async throws -> QuarantinedEntry? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM quarantine WHERE node = ? AND released_at IS NULL ORDER BY seq LIMIT 1", arguments: [node]
            ).map(Self.quarantinedEntry)
        }
    }

    static func quarantinedEntry(_ row: Row) -> QuarantinedEntry {
        QuarantinedEntry(node: row["node"], seq: row["seq"], eventID: row["event_id"], field: row["field"], reason: row["reason"],
                         quarantinedAt: row["quarantined_at"])
    }

    public func release(_ entries: [QuarantinedEntry], at time: String) async throws -> Int {
        try await pool.write { db in
            var released = 0
            for entry in entries {
                try db.execute(
                    sql: "UPDATE quarantine SET released_at = ? WHERE node = ? AND seq = ? AND released_at IS NULL",
                    arguments: [time, entry.node, entry.seq])
                guard db.changesCount > 0 else { continue }
                released += 1
                try db.execute(sql: "UPDATE nodes SET quarantined = MAX(0, quarantined - 1) WHERE id = ?", arguments: [entry.node])
                // Released entries now reach the feeds of their cases, like any stored entry.
                if let row = try Row.fetchOne(db, sql: "SELECT * FROM entries WHERE node = ? AND seq = ?", arguments: [entry.node, entry.seq]) {
                    let stored = StoredEntry(
                        node: row["node"], seq: row["seq"], bytes: row["bytes"], hash: row["hash"], eventID: row["event_id"], kind: row["kind"],
                        service: row["service"], caseID: row["case_id"], desa: row["desa"], occurredAt: row["occurred_at"],
                        caseNode: row["case_node"], provider: row["provider"])
                    try Self.route([stored], skipping: [], at: time, in: db)
                    // ... and count in the figures: the case is folded again by the next figure update.
                    try db.execute(sql: "INSERT OR IGNORE INTO figure_dirty(case_node, case_id) VALUES (?, ?)",
                                   arguments: [stored.caseNode ?? stored.node, stored.caseID])
                }
            }
            return released
        }
    }
}
