/// The `type` codes of the local API's problem bodies (docs/operations.md, "The local recording API"): what a
/// front-desk application matches on. The local API answers no other.
enum LocalAPIProblemType: String, Sendable, CaseIterable {
    /// The request line, a header or the query is malformed, or the request did not arrive whole in time.
    case malformedRequest = "malformed-request"
    /// The body is not one JSON event object or an array of them.
    case malformedBody = "malformed-body"
    case tooLarge = "too-large"
    case notFound = "not-found"
    case methodNotAllowed = "method-not-allowed"
    /// `Host` does not name the loopback address the API listens on (421).
    case hostNotAllowed = "host-not-allowed"
    /// A web page's request from an origin not in `daemon.api_allowed_origins` (403).
    case originNotAllowed = "origin-not-allowed"
    /// The token file cannot be read (503).
    case noToken = "no-token"
    /// No token, or not the installation's (401).
    case unauthorized
    case unsupportedMediaType = "unsupported-media-type"
    /// An event the rules refuse (422); nothing was recorded.
    case invalidEvent = "invalid-event"
    /// The node is being rebuilt from the province and records nothing yet (503).
    case rebuildPending = "rebuild-pending"
    /// The node failed (a storage error, a full disk); the detail says what and what to do.
    case `internal`

    /// The type for a failure of the recorder.
    init(recording code: NodeError.Code) {
        switch code {
        case .invalidEvent: self = .invalidEvent
        case .rebuildPending: self = .rebuildPending
        default: self = .internal
        }
    }
}
