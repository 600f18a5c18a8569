import Foundation

/// The aggregator's head for one node (the last stored seq and its hash), signed by the aggregator: the
/// node's proof of what the province holds.
public struct Receipt: Codable, Sendable, Equatable {
    public var node: String
    public var seq: Int64
    public var hash: String
    public var issuedAt: String
    /// Entries this push newly stored, and entries it re-sent that were already held.
    public var stored: Int
    public var duplicates: Int
    /// Entries of this node the aggregator holds in quarantine (stored, acknowledged, counted nowhere until its
    /// rules allow them), and why the first is held. Absent when none is held.
    public var quarantined: Int?
    public var quarantineReason: String?
    /// The aggregator's signature over the quarantine lines (`quarantineMessage`), apart from the receipt's own, so a
    /// node that predates quarantine still verifies the receipt it understands.
    public var quarantineSignature: String?
    public var aggregatorKey: String
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case node, seq, hash, stored, duplicates, signature, quarantined
        case quarantineReason = "quarantine_reason"
        case quarantineSignature = "quarantine_signature"
        case issuedAt = "issued_at"
        case aggregatorKey = "aggregator_key"
    }

    public init(node: String, seq: Int64, hash: String, issuedAt: String, stored: Int, duplicates: Int,
                quarantined: Int? = nil, quarantineReason: String? = nil, quarantineSignature: String? = nil, aggregatorKey: String = "",
                signature: String = "") {
        self.node = node
        self.seq = seq
        self.hash = hash
        self.issuedAt = issuedAt
        self.stored = stored
        self.duplicates = duplicates
        self.quarantined = quarantined
        self.quarantineReason = quarantineReason
        self.quarantineSignature = quarantineSignature
        self.aggregatorKey = aggregatorKey
        self.signature = signature
    }

    public var signedMessage: Data {
        Data("simpul-receipt-v\(SimpulProtocol.version)\n\(node)\n\(seq)\n\(hash)\n\(issuedAt)".utf8)
    }

    /// What `quarantine_signature` covers: the receipt it belongs to and the quarantine lines.
    public var quarantineMessage: Data {
        Data("simpul-quarantine-v\(SimpulProtocol.version)\n\(node)\n\(seq)\n\(issuedAt)\n\(quarantined ?? 0)\n\(quarantineReason ?? "")".utf8)
    }

    public mutating func sign(with key: SigningKey) {
        aggregatorKey = key.publicKey.base64
        signature = key.sign(signedMessage)
        quarantineSignature = quarantined == nil ? nil : key.sign(quarantineMessage)
    }

    /// True when the signature is the named aggregator key's over this receipt, and over its quarantine lines when
    /// it carries them.
    public var isValidlySigned: Bool {
        guard let key = try? PublicKey(base64: aggregatorKey), key.isValid(signature: signature, for: signedMessage) else { return false }
        guard quarantined != nil || quarantineReason != nil else { return true }
        return quarantineSignature.map { key.isValid(signature: $0, for: quarantineMessage) } ?? false
    }
}

/// What `GET /v1/nodes/{node}/head` answers: the node's head as the aggregator holds it, and its limits.
public struct HeadResponse: Codable, Sendable, Equatable {
    public var node: String
    public var seq: Int64
    public var hash: String
    public var state: NodeState
    public var limits: Limits
    /// The same head as a receipt signed by the aggregator.
    public var receipt: Receipt

    public init(node: String, seq: Int64, hash: String, state: NodeState, limits: Limits, receipt: Receipt) {
        self.node = node
        self.seq = seq
        self.hash = hash
        self.state = state
        self.limits = limits
        self.receipt = receipt
    }
}

/// The aggregator's limits on one push; a node sizes its batches to fit.
public struct Limits: Codable, Sendable, Equatable {
    public var maxBodyBytes: Int
    public var maxDecompressedBytes: Int
    public var maxEntries: Int
    public var maxEntryBytes: Int

    enum CodingKeys: String, CodingKey {
        case maxBodyBytes = "max_body_bytes"
        case maxDecompressedBytes = "max_decompressed_bytes"
        case maxEntries = "max_entries"
        case maxEntryBytes = "max_entry_bytes"
    }

    public init(maxBodyBytes: Int = 4 << 20, maxDecompressedBytes: Int = 16 << 20, maxEntries: Int = 5000, maxEntryBytes: Int = 16 << 10) {
        self.maxBodyBytes = maxBodyBytes
        self.maxDecompressedBytes = maxDecompressedBytes
        self.maxEntries = maxEntries
        self.maxEntryBytes = maxEntryBytes
    }
}
