import Foundation

/// One HTTP exchange with the aggregator.
public struct TransportRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: Data?
    /// Set to abort the request; the transport then fails it as soon as it notices (within a second).
    public var cancellation: TransportCancellation?

    public init(method: String, url: String, headers: [(String, String)], body: Data? = nil, cancellation: TransportCancellation? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.cancellation = cancellation
    }
}

/// The aggregator's answer: status and body (any status; refusals carry a JSON problem body).
public struct TransportResponse: Sendable {
    public var status: Int
    public var body: Data
    /// Bytes the request put on the wire (body as sent, after compression).
    public var bytesSent: Int
    /// Seconds from the start of the request (connection ready) to the first byte of the answer, when known.
    public var secondsToFirstByte: Double?
    /// Bytes the answer's body took on the wire (before libcurl decoded a gzip body).
    public var bytesReceived = 0
    /// The answer's `Simpul-Signature` header (the aggregator's signature over a feed or log page), when present.
    public var signature: String?

    public init(status: Int, body: Data, bytesSent: Int, secondsToFirstByte: Double? = nil, signature: String? = nil) {
        self.signature = signature
        self.status = status
        self.body = body
        self.bytesSent = bytesSent
        self.secondsToFirstByte = secondsToFirstByte
    }
}

/// How the sync engine talks to the aggregator. The real one is libcurl (`CurlTransport`); the engine
/// does not know which it has, so it can be exercised without a network too.
public protocol SyncTransport: Sendable {
    /// Throws `NodeError` with code `.unreachable` when no HTTP answer came back (DNS, connect, timeout, TLS).
    func send(_ request: TransportRequest) async throws(NodeError) -> TransportResponse
}
