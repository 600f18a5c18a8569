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
            ).map {
                QuarantinedEntry(node: $0["node"], seq: $0["seq"], eventID: $0["event_id"], field: $0["field"], reason: $0["reason"],
                                 quarantinedAt: $0["quarantined_at"])
            }
        }
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
            }
            return released
        }
    }
}
