import Foundation

/// The first line of a push body: which stretch of the node's log follows, signed by the node.
///
/// The body is NDJSON (gzip allowed): this header, then one log entry's bytes per line, verbatim. The
/// signature covers the node, the range, the hashes around it and the clock; since every entry is chained into
/// `last_hash`, it covers every entry byte too.
public struct PushHeader: Codable, Sendable, Equatable {
    public var protocolVersion: Int
    public var node: String
    public var fromSeq: Int64
    public var toSeq: Int64
    /// Hash of the entry before `from_seq` (64 zeros before seq 1).
    public var prevHash: String
    public var lastHash: String
    /// The node's wall clock when it sent the batch.
    public var clock: String
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case node, clock, signature
        case protocolVersion = "protocol"
        case fromSeq = "from_seq"
        case toSeq = "to_seq"
        case prevHash = "prev_hash"
        case lastHash = "last_hash"
    }

    public init(protocolVersion: Int = SimpulProtocol.version, node: String, fromSeq: Int64, toSeq: Int64,
                prevHash: String, lastHash: String, clock: String, signature: String = "") {
        self.protocolVersion = protocolVersion
        self.node = node
        self.fromSeq = fromSeq
        self.toSeq = toSeq
        self.prevHash = prevHash
        self.lastHash = lastHash
        self.clock = clock
        self.signature = signature
    }

    /// The bytes the node signs: the range, the hashes around it and the node's clock (so the skew the aggregator
    /// records from a push is the node's own).
    public var signedMessage: Data {
        Data("simpul-push-v\(protocolVersion)\n\(node)\n\(fromSeq)\n\(toSeq)\n\(prevHash)\n\(lastHash)\n\(clock)".utf8)
    }

    /// What a push header signed before the clock was covered: `simpul-aggregator verify` checks batches stored then
    /// (their stored clock is empty) against it. Ingest never accepts it.
    public var signedMessageWithoutClock: Data {
        Data("simpul-push-v\(protocolVersion)\n\(node)\n\(fromSeq)\n\(toSeq)\n\(prevHash)\n\(lastHash)".utf8)
    }

    public mutating func sign(with key: SigningKey) {
        signature = key.sign(signedMessage)
    }

    /// Builds the (uncompressed) push body: the header line, then the entries' bytes one per line.
    public func body(entries: [LogEntry]) throws -> Data {
        var out = try JSONEncoder().encode(self)
        out.reserveCapacity(out.count + entries.reduce(0) { $0 + $1.bytes.count + 1 })
        for entry in entries {
            out.append(0x0a)
            out.append(entry.bytes)
        }
        return out
    }
}

/// The signed message a node sends to read its own head (`GET /v1/nodes/{node}/head`). `counter` is the node's
/// request counter (`Simpul-Counter`): the aggregator accepts each value once, increasing, so a replayed read changes
/// nothing.
public enum HeadRequestSignature {
    public static func message(node: String, clock: String, counter: Int64) -> Data {
        Data("simpul-head-v\(SimpulProtocol.version)\n\(node)\n\(clock)\n\(counter)".utf8)
    }
}
