/// The `type` codes of the aggregator's problem bodies: protocol vocabulary both sides use (docs/protocol.md). The
/// aggregator answers no other; a node treats a type it does not know by its HTTP status.
public enum ProblemType: String, Sendable, CaseIterable {
    case malformedBody = "malformed-body"
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
    /// No such route.
    case notFound = "not-found"
    /// A known route with another method; the answer's `Allow` names the methods it takes.
    case methodNotAllowed = "method-not-allowed"
    /// A request the HTTP layer refused before any route ran (other than 404, 405 and 413); or a dashboard page for
    /// an area code of no known shape.
    case badRequest = "bad-request"
    /// A dashboard page without the dashboard's read token (`dashboard_token` is set).
    case tokenRequired = "token-required"
    /// The aggregator failed; the details are in its log, never in the answer.
    case `internal`
    /// The aggregator's database cannot be reached (PostgreSQL down or restarting): nothing was stored; retry after
    /// `Retry-After`.
    case databaseUnavailable = "database-unavailable"
}
