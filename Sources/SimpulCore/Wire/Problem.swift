import Foundation

/// An HTTP error body (RFC 9457 problem details): every 4xx and 5xx the aggregator sends is one of these.
public struct Problem: Codable, Sendable, Equatable, Error {
    /// A short machine-readable code, e.g. `fork`, `gap`, `bad-signature` (listed in docs/protocol.md).
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// The node's head as the aggregator holds it, where it helps the node resume (`gap`, `fork`).
    public var head: Head?
    /// The first seq concerned, where there is one.
    public var seq: Int64?

    /// A node's head: last stored seq and its hash.
    public struct Head: Codable, Sendable, Equatable {
        public var seq: Int64
        public var hash: String
        public init(seq: Int64, hash: String) {
            self.seq = seq
            self.hash = hash
        }
    }

    /// A problem of the protocol's vocabulary.
    public init(_ type: ProblemType, title: String, status: Int, detail: String, head: Head? = nil, seq: Int64? = nil) {
        self.init(type: type.rawValue, title: title, status: status, detail: detail, head: head, seq: seq)
    }

    /// The type as protocol vocabulary; nil for a type this version does not know.
    public var problemType: ProblemType? { ProblemType(rawValue: type) }

    public init(type: String, title: String, status: Int, detail: String, head: Head? = nil, seq: Int64? = nil) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.head = head
        self.seq = seq
    }
}
