import Foundation
import SimpulCore

/// An enrolled node as the aggregator holds it.
public struct NodeRecord: Sendable, Equatable, Codable {
    public var id: String
    public var publicKey: String
    public var enrolledAt: String
    public var revokedAt: String?
    public var headSeq: Int64
    public var headHash: String
    public var lastSeenAt: String?
    /// Node clock minus aggregator clock at the last authenticated request, in seconds.
    public var clockSkewSeconds: Double?
    /// The first seq at which the node offered an entry that differs from the stored one.
    public var forkSeq: Int64?
    /// Entries of this node held in quarantine now (stored and acknowledged, counted nowhere).
    public var quarantined: Int
    /// The entries the node said it still held after its last accepted push (nil: never reported).
    public var reportedBacklog: Int64?

    public var state: NodeState {
        if revokedAt != nil { return .revoked }
        if forkSeq != nil { return .forked }
        return lastSeenAt == nil ? .enrolled : .active
    }

    enum CodingKeys: String, CodingKey {
        case id = "node_id"
        case publicKey = "public_key"
        case enrolledAt = "enrolled_at"
        case revokedAt = "revoked_at"
        case headSeq = "head_seq"
        case headHash = "head_hash"
        case lastSeenAt = "last_seen_at"
        case clockSkewSeconds = "clock_skew_seconds"
        case forkSeq = "fork_seq"
        case quarantined
        case state
        case reportedBacklog = "reported_backlog"
    }

    public init(id: String, publicKey: String, enrolledAt: String, revokedAt: String? = nil, headSeq: Int64 = 0,
                headHash: String = Hex.encode(ChainHash.genesis), lastSeenAt: String? = nil,
                clockSkewSeconds: Double? = nil, forkSeq: Int64? = nil, quarantined: Int = 0, reportedBacklog: Int64? = nil) {
        self.id = id
        self.publicKey = publicKey
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
        self.headSeq = headSeq
        self.headHash = headHash
        self.lastSeenAt = lastSeenAt
        self.clockSkewSeconds = clockSkewSeconds
        self.forkSeq = forkSeq
        self.quarantined = quarantined
        self.reportedBacklog = reportedBacklog
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), publicKey: try c.decode(String.self, forKey: .publicKey),
            enrolledAt: try c.decode(String.self, forKey: .enrolledAt), revokedAt: try c.decodeIfPresent(String.self, forKey: .revokedAt),
            headSeq: try c.decode(Int64.self, forKey: .headSeq), headHash: try c.decode(String.self, forKey: .headHash),
            lastSeenAt: try c.decodeIfPresent(String.self, forKey: .lastSeenAt),
            clockSkewSeconds: try c.decodeIfPresent(Double.self, forKey: .clockSkewSeconds),
            forkSeq: try c.decodeIfPresent(Int64.self, forKey: .forkSeq),
            quarantined: try c.decodeIfPresent(Int.self, forKey: .quarantined) ?? 0,
            reportedBacklog: try c.decodeIfPresent(Int64.self, forKey: .reportedBacklog))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(publicKey, forKey: .publicKey)
        try c.encode(enrolledAt, forKey: .enrolledAt)
        try c.encode(revokedAt, forKey: .revokedAt)
        try c.encode(headSeq, forKey: .headSeq)
        try c.encode(headHash, forKey: .headHash)
        try c.encode(lastSeenAt, forKey: .lastSeenAt)
        try c.encode(clockSkewSeconds, forKey: .clockSkewSeconds)
        try c.encode(forkSeq, forKey: .forkSeq)
        try c.encode(quarantined, forKey: .quarantined)
        try c.encode(reportedBacklog, forKey: .reportedBacklog)
        try c.encode(state, forKey: .state)
    }
}

/// One entry to store: its verbatim bytes, hash, and the columns figures are computed from.
public struct StoredEntry: Sendable, Equatable {
    public var node: String
    public var seq: Int64
    public var bytes: Data
    public var hash: Data
    public var eventID: String
    public var kind: String
    public var service: String
    public var caseID: String
    public var desa: String?
    public var occurredAt: String
    /// The node whose case this is (a provider's event names the office's), and the referral target.
    public var caseNode: String?
    public var provider: String?

    public init(node: String, seq: Int64, bytes: Data, hash: Data, eventID: String, kind: String, service: String,
                caseID: String, desa: String?, occurredAt: String, caseNode: String? = nil, provider: String? = nil) {
        self.caseNode = caseNode
        self.provider = provider
        self.node = node
        self.seq = seq
        self.bytes = bytes
        self.hash = hash
        self.eventID = eventID
        self.kind = kind
        self.service = service
        self.caseID = caseID
        self.desa = desa
        self.occurredAt = occurredAt
    }
}

/// A push's signed header, kept so anyone can re-verify the stored chains later.
public struct StoredBatch: Sendable, Equatable {
    public var node: String
    public var fromSeq: Int64
    public var toSeq: Int64
    public var prevHash: String
    public var lastHash: String
    public var signature: String
    public var receivedAt: String
    /// The clock the node signed in the push header; nil for a batch stored before the signature covered it.
    public var clock: String?

    public init(node: String, fromSeq: Int64, toSeq: Int64, prevHash: String, lastHash: String, signature: String, receivedAt: String,
                clock: String?) {
        self.node = node
        self.fromSeq = fromSeq
        self.toSeq = toSeq
        self.prevHash = prevHash
        self.lastHash = lastHash
        self.signature = signature
        self.receivedAt = receivedAt
        self.clock = clock
    }

    /// The bytes the node signed for this batch.
    public var signedMessage: Data {
        let header = PushHeader(node: node, fromSeq: fromSeq, toSeq: toSeq, prevHash: prevHash, lastHash: lastHash, clock: clock ?? "")
        return clock == nil ? header.signedMessageWithoutClock : header.signedMessage
    }
}

/// Evidence of a fork: the stored entry at `seq` and what the node offered instead.
public struct ForkRecord: Sendable, Equatable {
    public var node: String
    public var seq: Int64
    public var storedHash: String
    public var offeredHash: String
    public var offeredBytes: Data
    public var header: String
    public var detectedAt: String
}

/// What a push stores, applied only if the node's head is still `expectedHead` (compare-and-swap), so two
/// aggregator replicas (or two concurrent pushes) can never store the same seq twice.
public struct IngestCommit: Sendable {
    public var node: String
    public var expectedHeadSeq: Int64
    public var entries: [StoredEntry]
    public var newHeadSeq: Int64
    public var newHeadHash: Data
    public var batch: StoredBatch
    /// New entries whose events fail the rules: stored like the others, and held aside in the same transaction.
    public var quarantine: [QuarantinedEntry]
    /// Recorded in the same transaction: one disk sync per push, not two.
    public var seenAt: String?
    public var clockSkewSeconds: Double?
    /// The node's queue after this push, as it reported it (`Simpul-Backlog`).
    public var reportedBacklog: Int64?

    public init(node: String, expectedHeadSeq: Int64, entries: [StoredEntry], newHeadSeq: Int64, newHeadHash: Data, batch: StoredBatch,
                quarantine: [QuarantinedEntry] = [], seenAt: String? = nil, clockSkewSeconds: Double? = nil, reportedBacklog: Int64? = nil) {
        self.node = node
        self.expectedHeadSeq = expectedHeadSeq
        self.entries = entries
        self.newHeadSeq = newHeadSeq
        self.newHeadHash = newHeadHash
        self.batch = batch
        self.quarantine = quarantine
        self.seenAt = seenAt
        self.clockSkewSeconds = clockSkewSeconds
        self.reportedBacklog = reportedBacklog
    }
}

/// The outcome of a commit.
public enum CommitOutcome: Sendable, Equatable {
    case committed
    /// The head moved since it was read: read it again and re-check.
    case headMoved
    /// An event id in the batch is already stored (under another seq or node).
    case duplicateEvent(id: String, node: String, seq: Int64)
}

/// Where the aggregator keeps nodes and their logs. One implementation per database; the ingest logic
/// above it never changes (SQLite now; PostgreSQL behind several replicas later).
public protocol AggregatorStorage: FigureStorage, ExportStorage {
    func node(_ id: String) async throws -> NodeRecord?
    /// Enrols nodes, all or none; refuses an id that is already enrolled.
    func addNodes(_ records: [NodeRecord]) async throws
    func revokeNode(_ id: String, at: String) async throws -> Bool
    func listNodes() async throws -> [NodeRecord]
    /// Stored hashes for `seqs` of one node.
    func hashes(node: String, seqs: ClosedRange<Int64>) async throws -> [Int64: Data]
    func commit(_ commit: IngestCommit) async throws -> CommitOutcome
    func recordFork(_ fork: ForkRecord) async throws
    /// Stored entries of a node in seq order, after `seq`, at most `limit`.
    func entries(node: String, after seq: Int64, limit: Int) async throws -> [(seq: Int64, bytes: Data, hash: Data)]
    /// Stored entries with every column, for `verify` to re-derive the columns from the signed bytes.
    func storedEntries(node: String, after seq: Int64, limit: Int) async throws -> [StoredEntry]
    func batches(node: String) async throws -> [StoredBatch]
    /// Entries held in quarantine now (of one node, or of all), in node and seq order.
    func quarantined(node: String?) async throws -> [QuarantinedEntry]
    /// The held entry of `node` with the lowest seq (what a receipt names), read alone.
    func firstQuarantined(node: String) async throws -> QuarantinedEntry?
    /// Releases held entries (they count from now on, and reach the feeds of their cases); returns how many were still held.
    func release(_ entries: [QuarantinedEntry], at time: String) async throws -> Int

    // The feed, rekey and recover (docs/protocol.md).
    /// Publishes rules to every node's feed unless the latest published rules have the same version; true if published.
    func publishRules(_ rules: RulesDocument, at time: String) async throws -> Bool
    /// A node's feed items after `cursor`: at most `maxItems`, and past the first, at most `maxBytes` of entries.
    func feed(node: String, after cursor: Int64, maxItems: Int, maxBytes: Int) async throws -> (items: [FeedItem], more: Bool)
    /// Replaces a node's key, keeping the old one on record as the signer of the batches up to the current head.
    func rekey(node: String, publicKey: String, at time: String) async throws
    func retiredKeys(node: String) async throws -> [RetiredKey]
    /// Clears a node's fork once the node has adopted the stored log up to the head (`seq`, `hash`); false if the head
    /// differs or there was no fork. The fork stays on record, marked resolved.
    func resolveFork(node: String, seq: Int64, hash: Data, at time: String) async throws -> Bool
    /// Accepts a node's request counter if it is above the last one accepted (and keeps it) and, with `seenAt`, records
    /// the node as seen with its clock skew in the same write; otherwise returns the last accepted value and changes
    /// nothing.
    func advanceCounter(node: String, to counter: Int64, seenAt: String?, clockSkewSeconds: Double?) async throws -> Int64?
    /// Every stored event not held in quarantine (of one case node's cases, or all), for the case fold.
    func caseEvents(caseNode: String?) async throws -> [CaseEvent]

    // Replicas.
    /// Records `publicKey` as the receipt-signing key of this database if none is recorded yet, and returns the recorded
    /// one: every replica on one database must sign receipts with the same key.
    func claimSigningKey(_ publicKey: String, at time: String) async throws -> String
    /// Checks the database answers (the readiness endpoint); throws `StorageUnavailable` when it does not.
    func ping() async throws
    /// How many entries are stored (a migration compares both sides).
    func entryCount() async throws -> Int
}

extension AggregatorStorage {
    /// Accepts a request counter without recording the node as seen (recover).
    public func advanceCounter(node: String, to counter: Int64) async throws -> Int64? {
        try await advanceCounter(node: node, to: counter, seenAt: nil, clockSkewSeconds: nil)
    }
}

/// A key a node had before `nodes rekey`: it signed the node's batches up to `untilSeq`.
public struct RetiredKey: Sendable, Equatable, Codable {
    public var publicKey: String
    public var untilSeq: Int64
    public var replacedAt: String

    enum CodingKeys: String, CodingKey {
        case publicKey = "public_key"
        case untilSeq = "until_seq"
        case replacedAt = "replaced_at"
    }
}

/// The province's figures (docs/architecture.md, "Figures"): per-case figures and their sums, updated by a job as
/// entries arrive, so no page view reads the entries.
public protocol FigureStorage: Sendable {
    /// Takes in entries stored since the last update (at most about `maxEntries`, whole nodes' ranges) and cases whose
    /// held entries were released; folds their cases with `fold` inside one transaction and applies the changes.
    /// Answers how many entries and released cases it took in: 0 when the figures were up to date.
    func updateFigures(maxEntries: Int, fold: @escaping @Sendable (FigureBatch) -> FigureChanges) async throws -> Int
    /// Sums per service and month for kecamatan codes in `area`, added up in the database per the first `prefixLength`
    /// characters of the kecamatan code (2: per province, 5: per kabupaten/kota, 8: per kecamatan), so a province's
    /// page reads one row per sub-area, service and month.
    func figureSums(area: AreaRange, prefixLength: Int) async throws -> [FigureSumRow]
    /// Open cases per kecamatan in `area` by age; `cutoffs` are the instants (seconds since 1970) 7, 14 and 30 days ago.
    func openCaseAges(area: AreaRange, cutoffs: (Int64, Int64, Int64)) async throws -> [OpenCaseAges]
    /// Referrals awaiting a response per provider in `area`; overdue when their due instant is before `now` (seconds).
    func providerBacklogs(area: AreaRange, now: Int64) async throws -> [ProviderBacklog]
    /// The case figures of one desa (a desa page sums its few cases itself).
    func caseFigures(desa: String) async throws -> [CaseFigure]
    /// Cases per desa of one kecamatan.
    func casesPerDesa(kecamatan: String) async throws -> [String: Int]
}

/// The reads `export` pages through (docs/operations.md, "Export").
public protocol ExportStorage: Sendable {
    /// Up to `limit` stored entries after `after` in node and seq order, not held in quarantine, with the filter's
    /// area (the event's desa, or its case node) and `occurred_at` dates applied.
    func exportEntries(after: (node: String, seq: Int64)?, filter: ExportFilter, limit: Int) async throws -> ExportPage
    /// Up to `limit` case figures of kecamatan in `area` after `after`, in kecamatan, case node and case id order.
    func exportCases(after: CaseFigureCursor?, area: AreaRange, limit: Int) async throws -> [CaseFigure]
}

extension FigureStorage {
    /// Sums per kecamatan, service and month.
    public func figureSums(area: AreaRange) async throws -> [FigureSumRow] {
        try await figureSums(area: area, prefixLength: 8)
    }
}

/// Where a page of the case export ends: the last figure's kecamatan, case node and case id.
public struct CaseFigureCursor: Sendable, Equatable {
    public var kecamatan: String
    public var caseNode: String
    public var caseID: String

    public init(_ figure: CaseFigure) {
        kecamatan = figure.kecamatan
        caseNode = figure.caseNode
        caseID = figure.caseID
    }
}
