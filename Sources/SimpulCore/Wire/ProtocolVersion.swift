/// The sync protocol's version and the HTTP header names it uses (see docs/protocol.md).
public enum SimpulProtocol {
    /// The only version this build speaks. A request naming another gets 400 `unsupported-protocol-version`.
    public static let version = 1
    public static let versionHeader = "Simpul-Protocol"
    /// The node's wall clock (RFC 3339) on every request, so the aggregator can report skew.
    public static let clockHeader = "Simpul-Clock"
    public static let nodeHeader = "Simpul-Node"
    public static let signatureHeader = "Simpul-Signature"
    public static let pushContentType = "application/x-ndjson"
    public static let problemContentType = "application/problem+json"
}
