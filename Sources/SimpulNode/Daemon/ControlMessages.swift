/// A request on the daemon's control socket: one JSON line in, one JSON line back.
public struct ControlRequest: Codable, Sendable {
    /// `sync_now` or `status`.
    public var command: String
    /// For `sync_now`: keep retrying transient failures this long (the CLI's `--wait`).
    public var waitSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case command
        case waitSeconds = "wait_seconds"
    }

    public init(command: String, waitSeconds: Int? = nil) {
        self.command = command
        self.waitSeconds = waitSeconds
    }
}
