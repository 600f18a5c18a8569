/// The sync protocol's version and the HTTP header names it uses (see docs/protocol.md).
public enum SimpulProtocol {
    /// The only version this build speaks. A request naming another gets 400 `unsupported-protocol-version`.
    public static let version = 1
    public static let versionHeader = "Simpul-Protocol"
    /// The node's wall clock (RFC 3339) on every request, so the aggregator can report skew.
    public static let clockHeader = "Simpul-Clock"
    public static let nodeHeader = "Simpul-Node"
    public static let signatureHeader = "Simpul-Signature"
    /// A node's request counter on its signed reads: each value is accepted once, increasing (replays change nothing).
    public static let counterHeader = "Simpul-Counter"
    /// On a push: how many entries the node holds after this batch's last one (its queue still to send). Display only
    /// (the dashboard, metrics); recorded only when the push is accepted.
    public static let backlogHeader = "Simpul-Backlog"
    /// On signed answers (feed, log): the aggregator key that signed them, for diagnostics (nodes check the pinned key).
    public static let aggregatorKeyHeader = "Simpul-Aggregator-Key"
    public static let pushContentType = "application/x-ndjson"
    public static let problemContentType = "application/problem+json"

    /// The largest entry the protocol carries. A node never records a larger one, and an aggregator's
    /// `limits.max_entry_bytes` may not be set below it, so a recorded entry is always accepted.
    public static let maxEntryBytes = 16 << 10
    /// The floor of an aggregator's `limits.max_entries`: a node may always send batches this long.
    public static let minBatchEntries = 100
    /// The floor of an aggregator's body limits: room for `minBatchEntries` entries of the largest size.
    public static let minBodyBytes = 2 << 20
}
