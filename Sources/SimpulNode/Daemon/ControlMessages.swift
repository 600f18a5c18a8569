import SimpulCore

/// The daemon's answer when it refuses a control request: the same message, hint and code the CLI would
/// report had it failed itself.
///
/// `error` and `hint` are English; `message` and `hint_message` carry the catalogue key and arguments, so the CLI
/// shows them in the operator's language (the daemon runs without it). A client shows the English text for a key
/// it does not know (a newer daemon) or when there is none (an older daemon).
public struct ControlRefusal: Codable, Sendable {
    public var ok = false
    public var error: String
    public var hint: String?
    public var errorCode: String
    public var message: Message?
    public var hintMessage: Message?

    enum CodingKeys: String, CodingKey {
        case ok, error, hint, message
        case errorCode = "error_code"
        case hintMessage = "hint_message"
    }

    public init(_ failure: NodeError) {
        error = failure.message
        hint = failure.hint
        errorCode = failure.code.description
        message = failure.text
        hintMessage = failure.hintText
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ok = try c.decodeIfPresent(Bool.self, forKey: .ok) ?? false
        error = try c.decode(String.self, forKey: .error)
        hint = try c.decodeIfPresent(String.self, forKey: .hint)
        errorCode = try c.decode(String.self, forKey: .errorCode)
        message = try? c.decodeIfPresent(Message.self, forKey: .message)
        hintMessage = try? c.decodeIfPresent(Message.self, forKey: .hintMessage)
    }

    public var nodeError: NodeError {
        NodeError(NodeError.Code(named: errorCode), message ?? .verbatim(error), hint: hintMessage ?? hint.map(Message.verbatim))
    }
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
