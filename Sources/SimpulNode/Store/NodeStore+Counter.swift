import Foundation
import GRDB
import SimpulCore

extension NodeStore {
    /// The next request counter for a signed read: above the last one used and at least `floor` (the wall clock in
    /// milliseconds, so a node restored from a backup is past its old counters at once). Saved before it is sent.
    public func nextRequestCounter(floor: Int64) throws(NodeError) -> Int64 {
        try write(.opSaveCounter) { db in
            let last = try String.fetchOne(db, sql: "SELECT value FROM node_meta WHERE key = 'request_counter'").flatMap { Int64($0) } ?? 0
            let next = max(last < Int64.max - 1 ? last + 1 : last, floor)
            try db.execute(sql: "INSERT OR REPLACE INTO node_meta(key, value) VALUES ('request_counter', ?)", arguments: [String(next)])
            return next
        }
    }

    /// Moves the counter past `counter` (the aggregator's last accepted one, after a `stale-counter` refusal).
    public func raiseRequestCounter(past counter: Int64) throws(NodeError) {
        try write(.opSaveCounter) { db in
            let last = try String.fetchOne(db, sql: "SELECT value FROM node_meta WHERE key = 'request_counter'").flatMap { Int64($0) } ?? 0
            guard counter > last else { return }
            try db.execute(sql: "INSERT OR REPLACE INTO node_meta(key, value) VALUES ('request_counter', ?)", arguments: [String(counter)])
        }
    }
}
