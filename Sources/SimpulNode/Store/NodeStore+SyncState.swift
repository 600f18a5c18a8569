import Foundation
import GRDB
import SimpulCore

/// What the node knows of its sync: the aggregator's last receipt and the last attempt.
public struct SyncState: Sendable, Equatable {
    public var ackedSeq: Int64
    public var ackedHash: String?
    public var receipt: Receipt?
    public var lastSyncAt: String?
    public var lastAttemptAt: String?
    public var lastError: String?
    /// The `NodeError` code and hint of the last failure (nil after a success).
    public var lastErrorCode: String?
    public var lastErrorHint: String?
    /// The last failure's message and hint as catalogue messages (nil for one stored before they were kept).
    public var lastErrorMessage: Message?
    public var lastErrorHintMessage: Message?

    /// True when the last sync was refused for a reason retrying cannot fix (revoked, not enrolled, wrong key,
    /// a fork): a person must act, and `last_error_hint` says what to do.
    public var isBlocked: Bool {
        guard let lastErrorCode else { return false }
        return !NodeError(NodeError.Code(named: lastErrorCode), .verbatim("")).isRetryable
    }
}

extension NodeStore {
    public func syncState() throws(NodeError) -> SyncState {
        try read(.opReadSyncState) { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM sync_state WHERE id = 1") else {
                return SyncState(ackedSeq: 0)
            }
            let receiptText: String? = row["receipt"]
            return SyncState(
                ackedSeq: row["acked_seq"], ackedHash: row["acked_hash"],
                receipt: receiptText.flatMap { try? JSONDecoder().decode(Receipt.self, from: Data($0.utf8)) },
                lastSyncAt: row["last_sync_at"], lastAttemptAt: row["last_attempt_at"], lastError: row["last_error"],
                lastErrorCode: row["last_error_code"], lastErrorHint: row["last_error_hint"],
                lastErrorMessage: Self.decodeMessage(row["last_error_message"]), lastErrorHintMessage: Self.decodeMessage(row["last_error_hint_message"]))
        }
    }

    /// Saves a receipt. The aggregator's head is the truth, so `acked_seq` may also go down (a restored aggregator).
    /// `synced` is true only when entries were acknowledged or there was nothing to push: a head read alone is not
    /// a sync, so it does not move `last_sync_at` (nor clear the last error).
    public func recordReceipt(_ receipt: Receipt, at time: Date, synced: Bool) throws(NodeError) {
        let text = (try? JSONEncoder().encode(receipt)).map { String(decoding: $0, as: UTF8.self) }
        let stamp = RFC3339.format(time)
        try write(.opSaveReceipt) { db in
            if synced {
                try db.execute(sql: """
                    UPDATE sync_state SET acked_seq = ?, acked_hash = ?, receipt = ?, last_sync_at = ?, last_attempt_at = ?,
                    last_error = NULL, last_error_code = NULL, last_error_hint = NULL, last_error_message = NULL,
                    last_error_hint_message = NULL WHERE id = 1
                    """, arguments: [receipt.seq, receipt.hash, text, stamp, stamp])
            } else {
                try db.execute(sql: "UPDATE sync_state SET acked_seq = ?, acked_hash = ?, receipt = ?, last_attempt_at = ? WHERE id = 1",
                               arguments: [receipt.seq, receipt.hash, text, stamp])
            }
        }
    }

    /// Records the aggregator's head as acknowledged without a new receipt (a head read).
    public func recordAcknowledgedHead(seq: Int64, hash: String) throws(NodeError) {
        try write(.opSaveAckedHead) { db in
            try db.execute(sql: "UPDATE sync_state SET acked_seq = ?, acked_hash = ? WHERE id = 1", arguments: [seq, hash])
        }
    }

    public func recordSyncFailure(_ error: NodeError, at time: Date) throws(NodeError) {
        try write(.opSaveSyncError) { db in
            try db.execute(
                sql: """
                    UPDATE sync_state SET last_error = ?, last_error_code = ?, last_error_hint = ?, last_error_message = ?,
                    last_error_hint_message = ?, last_attempt_at = ? WHERE id = 1
                    """,
                arguments: [error.message, error.code.description, error.hint, Self.encodeMessage(error.text),
                            error.hintText.flatMap(Self.encodeMessage), RFC3339.format(time)])
        }
    }

    static func encodeMessage(_ message: Message) -> String? {
        (try? JSONEncoder().encode(message)).map { String(decoding: $0, as: UTF8.self) }
    }

    static func decodeMessage(_ text: String?) -> Message? {
        text.flatMap { try? JSONDecoder().decode(Message.self, from: Data($0.utf8)) }
    }
}
