import Foundation
import GRDB
import SimpulCore

/// The outcome of re-checking the local log.
public struct LogVerification: Sendable, Codable {
    public var ok: Bool
    public var entries: Int64
    public var headSeq: Int64
    public var headHash: String
    /// The first bad seq and why, when `ok` is false.
    public var firstBadSeq: Int64?
    public var problem: String?

    enum CodingKeys: String, CodingKey {
        case ok, entries, problem
        case headSeq = "head_seq"
        case headHash = "head_hash"
        case firstBadSeq = "first_bad_seq"
    }
}

extension NodeStore {
    /// Re-checks every entry from seq 1: continuity, each entry's seq and node, every hash, and that each
    /// stored event row says what its entry says (and that no event row lacks an entry).
    public func verify(node: String) throws(NodeError) -> LogVerification {
        try read(.opVerifyLog) { db in
            var verifier = ChainVerifier(node: node)
            var count: Int64 = 0
            var lastHLC: Int64 = Int64.min
            func failed(_ seq: Int64, _ reason: String) -> LogVerification {
                LogVerification(ok: false, entries: count, headSeq: verifier.expectedSeq - 1,
                                headHash: Hex.encode(verifier.hash), firstBadSeq: seq, problem: reason)
            }
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT l.seq, l.hlc, l.bytes, l.hash, e.id, e.kind, e.case_id, e.service, e.desa, e.occurred_at, e.subject
                FROM log l LEFT JOIN events e ON e.seq = l.seq ORDER BY l.seq
                """)
            while let row = try cursor.next() {
                let seq: Int64 = row["seq"]
                let content: LogEntry.Content
                do {
                    content = try verifier.append(LogEntry(seq: seq, bytes: row["bytes"]), storedHash: row["hash"])
                } catch let error as ChainVerifier.Failure {
                    return failed(error.seq, error.reason)
                }
                let hlc: Int64 = row["hlc"]
                guard hlc == content.hlc else { return failed(seq, "the stored hlc column differs from the stamp in the entry") }
                guard hlc > lastHLC else { return failed(seq, "the HLC stamp does not increase") }
                lastHLC = hlc
                let e = content.event
                let id: String? = row["id"]
                guard id != nil else { return failed(seq, "the event row for this entry is missing") }
                let stored: [String?] = [row["id"], row["kind"], row["case_id"], row["service"], row["desa"], row["occurred_at"], row["subject"]]
                let expected: [String?] = [e.id, e.kind.rawValue, e.caseID, e.service, e.desa, e.occurredAt, e.subject]
                if stored != expected {
                    return failed(seq, "the stored event row differs from the event in the log entry")
                }
                count += 1
            }
            if let orphan = try Int64.fetchOne(db, sql: "SELECT seq FROM events WHERE seq NOT IN (SELECT seq FROM log) ORDER BY seq LIMIT 1") {
                return failed(orphan, "an event row has no log entry")
            }
            let sync = try Row.fetchOne(db, sql: "SELECT acked_seq, acked_hash FROM sync_state WHERE id = 1")
            let acked: Int64 = sync?["acked_seq"] ?? 0
            if acked > verifier.expectedSeq - 1 {
                return failed(verifier.expectedSeq, "the aggregator acknowledged seq \(acked) but the log ends at \(verifier.expectedSeq - 1) (restored from an old backup?)")
            }
            // The aggregator signed the hash at the acknowledged seq: a local log rewritten and re-chained since
            // then no longer matches it.
            if acked > 0, let signed: String = sync?["acked_hash"],
               let local = try Data.fetchOne(db, sql: "SELECT hash FROM log WHERE seq = ?", arguments: [acked]), Hex.encode(local) != signed {
                return failed(acked, "the entry's hash differs from the one the aggregator acknowledged for it (the log was rewritten after it was sent)")
            }
            return LogVerification(ok: true, entries: count, headSeq: verifier.expectedSeq - 1,
                                   headHash: Hex.encode(verifier.hash), firstBadSeq: nil, problem: nil)
        }
    }
}
