/// The daemon's answer when it refuses a control request: the same message, hint and code the CLI would
/// report had it failed itself.
public struct ControlRefusal: Codable, Sendable {
    public var ok = false
    public var error: String
    public var hint: String?
    public var errorCode: String

    enum CodingKeys: String, CodingKey {
        case ok, error, hint
        case errorCode = "error_code"
    }

    public init(_ failure: NodeError) {
        error = failure.message
        hint = failure.hint
        errorCode = failure.code.description
    }

    public var nodeError: NodeError { NodeError(NodeError.Code(named: errorCode), error, hint: hint) }
}

/// A request on the daemon's control socket: one JSON line in, one JSON line back.
public struct ControlRequest: Codable, Sendable {
    /// `sync_now` or `status`.
    public var command: String
    /// For `sync_now`: keep retrying transient failures this long (the CLI's `--wait`).
    public var waitSeconds: Int?
    /// The node the client is configured for; a daemon serving another node refuses the request.
    public var node: String?

    enum CodingKeys: String, CodingKey {
        case command, node
        case waitSeconds = "wait_seconds"
    }

    public init(command: String, waitSeconds: Int? = nil, node: String? = nil) {
        self.command = command
        self.waitSeconds = waitSeconds
        self.node = node
    }
}
