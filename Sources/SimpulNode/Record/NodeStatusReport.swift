import Foundation
import SimpulCore

/// What `simpul status` shows. Field names are an interface: scripts read them from `--json`.
public struct NodeStatusReport: Sendable, Codable {
    public var nodeID: String
    public var kecamatan: String?
    public var publicKey: String
    public var aggregator: String
    public var headSeq: Int64
    public var ackedSeq: Int64
    public var backlog: Int64
    public var lastSyncAt: String?
    public var lastError: String?
    /// True when the last sync was refused for a reason retrying cannot fix; `last_error_hint` says what to do.
    public var syncBlocked: Bool
    public var lastErrorHint: String?
    /// `last_error` and `last_error_hint` as catalogue messages, so the CLI shows them in the operator's language.
    public var lastErrorMessage: Message?
    public var lastErrorHintMessage: Message?
    /// Entries the aggregator stored but holds in quarantine (its rules refuse their events), from its last
    /// signed receipt, and why the first is held.
    public var quarantined: Int
    public var quarantineReason: String?
    public var daemon: String
    public var receipt: Receipt?
    public var dataDir: String
    /// `office` or `provider` (a node whose id is a provider code).
    public var role: String
    /// The province's feed: the cursor this node has applied up to, when it last moved and was last read, and the
    /// version of the rules new events are checked against.
    public var feedCursor: Int64
    public var feedMovedAt: String?
    public var feedPulledAt: String?
    public var rulesVersion: String
    /// Set by `init --recover` until the first sync pulls the node's log back.
    public var rebuildPending: Bool
    /// What a person should know about this node's setup (a plain-http aggregator URL); `[]` when nothing. Optional
    /// only so that the answer of a daemon from before this field still decodes.
    public var warnings: [String]?

    enum CodingKeys: String, CodingKey {
        case kecamatan, aggregator, backlog, daemon, receipt
        case nodeID = "node_id"
        case publicKey = "public_key"
        case headSeq = "head_seq"
        case ackedSeq = "acked_seq"
        case lastSyncAt = "last_sync_at"
        case lastError = "last_error"
        case syncBlocked = "sync_blocked"
        case lastErrorHint = "last_error_hint"
        case quarantineReason = "quarantine_reason"
        case quarantined
        case dataDir = "data_dir"
        case role
        case feedCursor = "feed_cursor"
        case feedMovedAt = "feed_moved_at"
        case feedPulledAt = "feed_pulled_at"
        case rulesVersion = "rules_version"
        case rebuildPending = "rebuild_pending"
        case warnings
        case lastErrorMessage = "last_error_message"
        case lastErrorHintMessage = "last_error_hint_message"
    }

    /// Every key is always present (`null` when unknown): scripts rely on the field list.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nodeID, forKey: .nodeID)
        try c.encode(kecamatan, forKey: .kecamatan)
        try c.encode(publicKey, forKey: .publicKey)
        try c.encode(aggregator, forKey: .aggregator)
        try c.encode(headSeq, forKey: .headSeq)
        try c.encode(ackedSeq, forKey: .ackedSeq)
        try c.encode(backlog, forKey: .backlog)
        try c.encode(lastSyncAt, forKey: .lastSyncAt)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(syncBlocked, forKey: .syncBlocked)
        try c.encode(lastErrorHint, forKey: .lastErrorHint)
        try c.encode(quarantined, forKey: .quarantined)
        try c.encode(quarantineReason, forKey: .quarantineReason)
        try c.encode(daemon, forKey: .daemon)
        try c.encode(receipt, forKey: .receipt)
        try c.encode(dataDir, forKey: .dataDir)
        try c.encode(role, forKey: .role)
        try c.encode(feedCursor, forKey: .feedCursor)
        try c.encode(feedMovedAt, forKey: .feedMovedAt)
        try c.encode(feedPulledAt, forKey: .feedPulledAt)
        try c.encode(rulesVersion, forKey: .rulesVersion)
        try c.encode(rebuildPending, forKey: .rebuildPending)
        try c.encode(warnings ?? [], forKey: .warnings)
        try c.encode(lastErrorMessage, forKey: .lastErrorMessage)
        try c.encode(lastErrorHintMessage, forKey: .lastErrorHintMessage)
    }

    public static func read(_ context: NodeContext, daemonRunning: Bool) throws(NodeError) -> NodeStatusReport {
        let config = context.config
        let head = try context.store.head()
        let sync = try context.store.syncState()
        let publicKey = (try? SecretFile.read(config.publicKeyPath, what: Message(.publicKeyNoun)))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let kecamatan = Wilayah.shipped.kecamatan[NodeID.kecamatan(of: config.nodeID)]
        let feed = try context.store.feedState()
        return NodeStatusReport(
            nodeID: config.nodeID, kecamatan: kecamatan.map { "\($0.name), \($0.kabkota), \($0.provinsi)" },
            publicKey: publicKey, aggregator: config.aggregatorURL, headSeq: head.seq, ackedSeq: sync.ackedSeq,
            backlog: max(0, head.seq - sync.ackedSeq), lastSyncAt: sync.lastSyncAt, lastError: sync.lastError,
            syncBlocked: sync.isBlocked, lastErrorHint: sync.lastErrorHint, lastErrorMessage: sync.lastErrorMessage,
            lastErrorHintMessage: sync.lastErrorHintMessage, quarantined: sync.receipt?.quarantined ?? 0,
            quarantineReason: sync.receipt?.quarantineReason, daemon: daemonRunning ? "running" : "stopped", receipt: sync.receipt, dataDir: config.dataDir,
            role: NodeID.isProviderCode(config.nodeID) ? "provider" : "office", feedCursor: feed.cursor, feedMovedAt: feed.movedAt,
            feedPulledAt: feed.pulledAt, rulesVersion: try context.rules().version, rebuildPending: try context.store.rebuildPending(),
            warnings: [config.plainHTTPWarning].compactMap { $0 })
    }
}
