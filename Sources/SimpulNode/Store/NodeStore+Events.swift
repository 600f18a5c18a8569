import Foundation
import GRDB
import SimpulCore

/// One recorded event as listed by `simpul events`: its place in the log and the event (pseudonyms only).
public struct RecordedEvent: Sendable, Encodable {
    public var seq: Int64
    public var recordedAt: String
    public var event: Event

    enum CodingKeys: String, CodingKey {
        case seq, event
        case recordedAt = "recorded_at"
    }
}

extension NodeStore {
    /// Recorded events in log order, optionally of one case and/or recorded at or after a time.
    public func events(caseID: String? = nil, since: Date? = nil, limit: Int? = nil) throws(NodeError) -> [RecordedEvent] {
        try read(.opListEvents) { db in
            var sql = "SELECT l.seq, l.hlc, l.bytes FROM log l"
            var arguments = StatementArguments()
            var conditions = [String]()
            if let caseID {
                sql += " JOIN events e ON e.seq = l.seq"
                conditions.append("e.case_id = ?")
                _ = arguments.append(contentsOf: [caseID])
            }
            if let since {
                conditions.append("l.hlc >= ?")
                _ = arguments.append(contentsOf: [HLCTimestamp(millis: Int64(since.timeIntervalSince1970 * 1000), logical: 0).packed])
            }
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY l.seq"
            if let limit { sql += " LIMIT \(limit)" }
            var out = [RecordedEvent]()
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try cursor.next() {
                let entry = LogEntry(seq: row["seq"], bytes: row["bytes"])
                let content = try entry.decode()
                let stamp = HLCTimestamp(packed: row["hlc"])
                out.append(RecordedEvent(
                    seq: entry.seq, recordedAt: RFC3339.format(Date(timeIntervalSince1970: Double(stamp.millis) / 1000)),
                    event: content.event))
            }
            return out
        }
    }
}
