import SimpulCore

/// The outcome of one sync, as `simpul sync now --json` prints it and the daemon answers it.
public struct SyncReport: Sendable, Codable, Equatable {
    /// `pushed`, `nothing_to_push`, or `failed`.
    public var status: String
    public var pushed: Int
    public var batches: Int
    public var bytesSent: Int
    public var headSeq: Int64
    public var ackedSeq: Int64
    public var backlog: Int64
    /// Set when the aggregator's head was behind what it had acknowledged (restored from a backup).
    public var resentFrom: Int64?
    public var receipt: Receipt?
    public var error: String?
    public var hint: String?
    /// The `NodeError` code when `failed`.
    public var errorCode: String?
    /// `error` and `hint` as catalogue key and arguments, so the CLI shows them in the operator's language.
    public var errorMessage: Message?
    public var hintMessage: Message?
    /// Feed entries applied by this sync (other nodes' events on this node's cases), and the cursor after it.
    public var pulled: Int = 0
    public var feedCursor: Int64?
    /// Bytes the feed's answers took on the wire.
    public var bytesReceived: Int?
    /// This node's own entries pulled back from the province (a rebuilt node).
    public var adopted: Int?

    enum CodingKeys: String, CodingKey {
        case status, pushed, batches, backlog, receipt, error, hint
        case bytesSent = "bytes_sent"
        case headSeq = "head_seq"
        case ackedSeq = "acked_seq"
        case resentFrom = "resent_from"
        case errorCode = "error_code"
        case pulled
        case feedCursor = "feed_cursor"
        case bytesReceived = "bytes_received"
        case adopted
        case errorMessage = "error_message"
        case hintMessage = "hint_message"
    }

    public init(status: String, pushed: Int = 0, batches: Int = 0, bytesSent: Int = 0, headSeq: Int64 = 0, ackedSeq: Int64 = 0,
                resentFrom: Int64? = nil, receipt: Receipt? = nil, error: String? = nil, hint: String? = nil, errorCode: String? = nil) {
        self.status = status
        self.pushed = pushed
        self.batches = batches
        self.bytesSent = bytesSent
        self.headSeq = headSeq
        self.ackedSeq = ackedSeq
        self.backlog = max(0, headSeq - ackedSeq)
        self.resentFrom = resentFrom
        self.receipt = receipt
        self.error = error
        self.hint = hint
        self.errorCode = errorCode
    }

    /// A failure report with the node's head and acknowledged seq as the store has them now.
    public static func failed(_ error: NodeError, store: NodeStore) -> SyncReport {
        failed(error, headSeq: (try? store.head().seq) ?? 0, ackedSeq: (try? store.syncState().ackedSeq) ?? 0)
    }

    public static func failed(_ error: NodeError, headSeq: Int64, ackedSeq: Int64) -> SyncReport {
        var report = SyncReport(status: "failed", headSeq: headSeq, ackedSeq: ackedSeq, error: error.message, hint: error.hint,
                                errorCode: error.code.description)
        report.errorMessage = error.text
        report.hintMessage = error.hintText
        return report
    }

    /// The failure this report carries, with its message in the catalogue when the daemon sent the key.
    public var failure: NodeError {
        NodeError(NodeError.Code(named: errorCode), errorMessage ?? error.map(Message.verbatim) ?? Message(.syncFailed),
                  hint: hintMessage ?? hint.map(Message.verbatim))
    }
}
