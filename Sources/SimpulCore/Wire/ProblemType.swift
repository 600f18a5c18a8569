/// The `type` codes of the aggregator's problem bodies: protocol vocabulary both sides use (docs/protocol.md).
public enum ProblemType: String, Sendable, CaseIterable {
    case malformedBody = "malformed-body"
    case malformedHeader = "malformed-header"
    case unsupportedProtocolVersion = "unsupported-protocol-version"
    case unsupportedEncoding = "unsupported-encoding"
    case badSignature = "bad-signature"
    case unknownNode = "unknown-node"
    case nodeRevoked = "node-revoked"
    case nodeMismatch = "node-mismatch"
    case tooLarge = "too-large"
    case gap
    case fork
    case brokenHash = "broken-hash"
    case invalidEntry = "invalid-entry"
    case duplicateEvent = "duplicate-event"
    case busy
    /// `POST /v1/nodes/{node}/recover` named another head than the stored one: pull the log again, then recover.
    case recoverMismatch = "recover-mismatch"
    /// A signed request's counter is not above the last one accepted from the node: a replay, or a node restored
    /// from a backup. The problem's `seq` is the last accepted counter; a node moves past it and asks again.
    case staleCounter = "stale-counter"
}
