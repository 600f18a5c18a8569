import Foundation

/// One HTTP exchange with the aggregator.
public struct TransportRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: Data?

    public init(method: String, url: String, headers: [(String, String)], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
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

    public init(status: Int, body: Data, bytesSent: Int, secondsToFirstByte: Double? = nil) {
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
