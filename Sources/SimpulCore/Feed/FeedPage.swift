import Crypto
import Foundation

/// One change in a node's feed: new rules, or another node's log entry on a case this node takes part in.
public struct FeedItem: Codable, Sendable, Equatable {
    /// The item's place in the aggregator's feed sequence (shared by all nodes, increasing, with gaps per node).
    public var cursor: Int64
    /// `rules` or `entry`.
    public var type: String
    public var rules: RulesDocument?
    /// For `entry`: the node that recorded it, its seq there, its verbatim bytes (JSON text) and hash.
    public var node: String?
    public var seq: Int64?
    public var entry: String?
    public var hash: String?

    public static let rulesType = "rules"
    public static let entryType = "entry"

    public init(cursor: Int64, rules: RulesDocument) {
        self.cursor = cursor
        self.type = Self.rulesType
        self.rules = rules
    }

    public init(cursor: Int64, node: String, seq: Int64, entry: Data, hash: Data) {
        self.cursor = cursor
        self.type = Self.entryType
        self.node = node
        self.seq = seq
        self.entry = String(decoding: entry, as: UTF8.self)
        self.hash = Hex.encode(hash)
    }
}

/// `GET /v1/nodes/{node}/feed?after=CURSOR`: the items after `after`, oldest first. `next` is the cursor to ask
/// after next time (the last item's, or `after` when the page is empty); `more` says another page is waiting.
public struct FeedPage: Codable, Sendable, Equatable {
    public var node: String
    public var after: Int64
    public var next: Int64
    public var more: Bool
    public var items: [FeedItem]

    public init(node: String, after: Int64, next: Int64, more: Bool, items: [FeedItem]) {
        self.node = node
        self.after = after
        self.next = next
        self.more = more
        self.items = items
    }
}

/// `GET /v1/nodes/{node}/log?after=SEQ`: the province's copy of the node's own log, to rebuild or recover it.
public struct LogPage: Codable, Sendable, Equatable {
    /// One stored entry: seq, verbatim bytes (JSON text), hash.
    public struct Entry: Codable, Sendable, Equatable {
        public var seq: Int64
        public var entry: String
        public var hash: String

        public init(seq: Int64, entry: Data, hash: Data) {
            self.seq = seq
            self.entry = String(decoding: entry, as: UTF8.self)
            self.hash = Hex.encode(hash)
        }
    }

    public var node: String
    public var after: Int64
    public var headSeq: Int64
    public var headHash: String
    public var more: Bool
    public var entries: [Entry]

    enum CodingKeys: String, CodingKey {
        case node, after, more, entries
        case headSeq = "head_seq"
        case headHash = "head_hash"
    }

    public init(node: String, after: Int64, headSeq: Int64, headHash: String, more: Bool, entries: [Entry]) {
        self.node = node
        self.after = after
        self.headSeq = headSeq
        self.headHash = headHash
        self.more = more
        self.entries = entries
    }
}

/// `POST /v1/nodes/{node}/recover`: a forked node says it adopted the province's log up to `seq`/`hash`; the
/// aggregator then accepts its pushes again (the fork stays on record).
public struct RecoverRequest: Codable, Sendable, Equatable {
    public var node: String
    public var seq: Int64
    public var hash: String
    public var clock: String
    /// The node's request counter (see `HeadRequestSignature`).
    public var counter: Int64
    public var signature: String

    public init(node: String, seq: Int64, hash: String, clock: String, counter: Int64, signature: String = "") {
        self.node = node
        self.seq = seq
        self.hash = hash
        self.clock = clock
        self.counter = counter
        self.signature = signature
    }

    public var signedMessage: Data { WireSignature.message("simpul-recover", [node, String(seq), hash, clock, String(counter)]) }

    public mutating func sign(with key: SigningKey) { signature = key.sign(signedMessage) }
}

/// The messages signed on the feed, log and recover routes: a purpose line, then the fields, one per line.
/// Requests are signed by the node (like the head read); answers by the aggregator over the SHA-256 of the body.
public enum WireSignature {
    public static func message(_ purpose: String, _ fields: [String]) -> Data {
        Data((["\(purpose)-v\(SimpulProtocol.version)"] + fields).joined(separator: "\n").utf8)
    }

    /// What a node signs to read its feed or its own log (`purpose` is `simpul-feed-request` or `simpul-log-request`),
    /// with its request counter.
    public static func request(_ purpose: String, node: String, after: Int64, clock: String, counter: Int64) -> Data {
        message(purpose, [node, String(after), clock, String(counter)])
    }

    /// What the aggregator signs over an answer's body (`purpose` is `simpul-feed` or `simpul-log`).
    public static func answer(_ purpose: String, node: String, after: Int64, body: Data) -> Data {
        message(purpose, [node, String(after), Hex.encode(Data(SHA256.hash(data: body)))])
    }
}
