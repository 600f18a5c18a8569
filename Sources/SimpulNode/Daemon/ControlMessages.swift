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
