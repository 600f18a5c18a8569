import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SimpulCore

/// The routes that send data back to a node: its feed, its own log (rebuild and recover), and the recover call.
/// Requests are signed by the node; answers by the aggregator (`Simpul-Signature` over the body's SHA-256).
extension AggregatorApp {
    /// Items per feed page, and the entry bytes a page carries past its first item: a page stays well under the
    /// 1 MiB a node reads of any answer, even with every quote escaped.
    static let feedPageItems = 500
    static let feedPageBytes = 384 << 10

    func addFeedRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/nodes/{node}/feed") { request, context in
            try await feed(request, node: context.parameters.require("node"))
        }
        router.get("/v1/nodes/{node}/log") { request, context in
            try await ownLog(request, node: context.parameters.require("node"))
        }
        router.post("/v1/nodes/{node}/recover") { request, context in
            try await recover(request, node: context.parameters.require("node"))
        }
    }

    /// `after` from the query: a whole number from 0, 0 when absent.
    func afterParameter(_ request: Request) throws(Problem) -> Int64 {
        guard let text = request.uri.queryParameters["after"] else { return 0 }
        guard let value = Int64(text), value >= 0, value < (1 << 53) else {
            throw Problem.malformed("'after' must be a whole number from 0 (the cursor or seq the node holds)")
        }
        return value
    }

    /// The enrolled, unrevoked node whose key signed `message(clock, counter)` in `Simpul-Signature`, with a request
    /// counter above every one accepted before (a replay gets `409 stale-counter` and changes nothing).
    func authenticated(_ request: Request, node: String, message: (String, Int64) -> Data) async throws -> NodeRecord {
        try checkVersion(request)
        guard let counterText = request.headers[HTTPField.Name(SimpulProtocol.counterHeader)!], let counter = Int64(counterText), counter > 0 else {
            throw Problem.malformed("\(SimpulProtocol.counterHeader) must be the node's request counter, a whole number above 0")
        }
        guard let record = try await storage.node(node) else { throw Problem.unknownNode(node) }
        let clock = request.headers[HTTPField.Name(SimpulProtocol.clockHeader)!] ?? ""
        let signature = request.headers[HTTPField.Name(SimpulProtocol.signatureHeader)!] ?? ""
        guard let key = try? PublicKey(base64: record.publicKey), key.isValid(signature: signature, for: message(clock, counter)) else {
            throw Problem.badSignature(node)
        }
        if let revokedAt = record.revokedAt { throw Problem.revoked(node, at: revokedAt) }
        let now = Date()
        try await acceptCounter(counter, node: node, seenAt: RFC3339.format(now), clockSkewSeconds: clockSkew(request, now: now))
        return record
    }

    func feed(_ request: Request, node: String) async throws -> Response {
        let after = try afterParameter(request)
        _ = try await authenticated(request, node: node) {
            WireSignature.request("simpul-feed-request", node: node, after: after, clock: $0, counter: $1)
        }
        let (items, more) = try await storage.feed(node: node, after: after, maxItems: Self.feedPageItems, maxBytes: Self.feedPageBytes)
        let page = FeedPage(node: node, after: after, next: items.last?.cursor ?? after, more: more, items: items)
        return try signedResponse(page, purpose: "simpul-feed", node: node, after: after, gzip: acceptsGzip(request))
    }

    func ownLog(_ request: Request, node: String) async throws -> Response {
        let after = try afterParameter(request)
        let record = try await authenticated(request, node: node) {
            WireSignature.request("simpul-log-request", node: node, after: after, clock: $0, counter: $1)
        }
        var entries = [LogPage.Entry]()
        var bytes = 0
        var more = false
        let rows = try await storage.entries(node: node, after: after, limit: Self.feedPageItems + 1)
        for row in rows where row.seq <= record.headSeq {
            if entries.count == Self.feedPageItems || (!entries.isEmpty && bytes + row.bytes.count > Self.feedPageBytes) {
                more = true
                break
            }
            bytes += row.bytes.count
            entries.append(LogPage.Entry(seq: row.seq, entry: row.bytes, hash: row.hash))
        }
        let page = LogPage(node: node, after: after, headSeq: record.headSeq, headHash: record.headHash, more: more, entries: entries)
        return try signedResponse(page, purpose: "simpul-log", node: node, after: after, gzip: acceptsGzip(request))
    }

    func recover(_ request: Request, node: String) async throws -> Response {
        try checkVersion(request)
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 4096) } catch is NIOTooManyBytesError {
            throw Problem.tooLarge("a recover request is at most 4096 bytes")
        }
        let message: RecoverRequest
        do { message = try JSONDecoder().decode(RecoverRequest.self, from: Data(buffer: body)) } catch {
            throw Problem.malformed("the body must be a JSON recover request (node, seq, hash, clock, signature)")
        }
        guard message.node == node else { throw Problem.nodeMismatch(path: node, header: message.node) }
        guard let record = try await storage.node(node) else { throw Problem.unknownNode(node) }
        guard let key = try? PublicKey(base64: record.publicKey), key.isValid(signature: message.signature, for: message.signedMessage) else {
            throw Problem.badSignature(node)
        }
        if let revokedAt = record.revokedAt { throw Problem.revoked(node, at: revokedAt) }
        guard message.counter > 0 else { throw Problem.malformed("the recover request's counter must be above 0") }
        try await acceptCounter(message.counter, node: node)
        let now = Date()
        if record.forkSeq != nil {
            guard message.seq == record.headSeq, message.hash == record.headHash, let hash = Hex.decode(message.hash),
                  try await storage.resolveFork(node: node, seq: message.seq, hash: hash, at: RFC3339.format(now))
            else {
                throw Problem(.recoverMismatch, title: "Not at the stored head", status: 409,
                              detail: "node \(node) says it holds seq \(message.seq) with hash \(message.hash.prefix(16))…, but the stored head is seq \(record.headSeq) (\(record.headHash.prefix(16))…): run 'simpul recover' again",
                              head: Problem.Head(seq: record.headSeq, hash: record.headHash))
            }
        }
        guard let current = try await storage.node(node) else { throw Problem.unknownNode(node) }
        let receipt = await ingest.headReceipt(for: current, now: now)
        return jsonResponse(HeadResponse(node: node, seq: current.headSeq, hash: current.headHash, state: current.state, limits: limits, receipt: receipt))
    }

    /// Keeps `counter` as the node's last accepted request counter, recording the node as seen when `seenAt` is given
    /// (one write), or refuses the request as a replay and changes nothing.
    func acceptCounter(_ counter: Int64, node: String, seenAt: String? = nil, clockSkewSeconds: Double? = nil) async throws {
        if let last = try await storage.advanceCounter(node: node, to: counter, seenAt: seenAt, clockSkewSeconds: clockSkewSeconds) {
            throw Problem(.staleCounter, title: "Request counter already used", status: 409,
                          detail: "node \(node)'s request counter \(counter) is not above \(last), the last one accepted: a replayed request, or a node restored from a backup (it moves past it by itself)",
                          seq: last)
        }
    }

    /// The value as JSON, with the aggregator's signature over the exact body bytes in `Simpul-Signature`; gzipped on
    /// the wire when the node accepts it (the signature covers the JSON, which is what the node reads).
    func signedResponse<T: Encodable>(_ value: T, purpose: String, node: String, after: Int64, gzip: Bool) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(value)
        let signature = ingest.signingKey.sign(WireSignature.answer(purpose, node: node, after: after, body: body))
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name(SimpulProtocol.signatureHeader)!] = signature
        headers[HTTPField.Name(SimpulProtocol.aggregatorKeyHeader)!] = ingest.signingKey.publicKey.base64
        var sent = body
        if gzip {
            sent = Gzip.compress(body)
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(data: sent)))
    }

    /// True when the request's `Accept-Encoding` lists gzip (with a non-zero q).
    func acceptsGzip(_ request: Request) -> Bool {
        guard let accepted = request.headers[.acceptEncoding]?.lowercased() else { return false }
        return accepted.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return parts.first == "gzip" && quality > 0
        }
    }
}
