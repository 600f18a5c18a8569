/// A node's state as the aggregator holds it: protocol vocabulary (`state` in head answers, `simpul-aggregator
/// nodes`, the dashboard and the metrics), one of four.
public enum NodeState: String, Codable, Sendable, CaseIterable {
    /// Enrolled, never seen: no authenticated request has arrived yet.
    case enrolled
    /// Seen, and neither forked nor revoked.
    case active
    /// Offered an entry that differs from a stored one; pushes are refused until the node recovers.
    case forked
    /// Refused for good by provincial IT.
    case revoked

    /// Whether the state needs a person (forked or revoked).
    public var needsAttention: Bool { self == .forked || self == .revoked }
}
