import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SimpulCore

/// The aggregator's HTTP API (see docs/protocol.md and docs/openapi.yaml).
public struct AggregatorApp: Sendable {
    public let ingest: PushIngest
    public let metrics: AggregatorMetrics
    /// Pushes being inflated and parsed before their signature is checked: a few at once; one more is refused at once
    /// (503, `Retry-After`) instead of queueing memory and CPU, and a node retries a 503 by itself.
    let preAuth = Allowance(capacity: max(4, 2 * ProcessInfo.processInfo.activeProcessorCount))
    /// Bytes of push bodies held before their signature is checked: each push takes its declared length (or the body
    /// limit) before its body is read; room for 8 of the largest at once.
    let bodyBudget: Allowance
    /// Whether the database answers, for `/readyz` (one check a second, whoever asks).
    let readiness: ReadinessProbe
    /// A push body may inflate to at most this many times its size (gzip of log entries is 4-10x; a bomb is 1000x).
    static let maxInflateRatio = 64
    /// The dashboard's read token, when the config sets one.
    let dashboardAccess: DashboardAccess
    /// Exports being streamed (`GET /export/{kind}`).
    let exportsRunning = Allowance(capacity: AggregatorApp.maxExportsRunning)
    public var storage: any AggregatorStorage { ingest.storage }
    public var limits: Limits { ingest.limits }

    public init(ingest: PushIngest, metrics: AggregatorMetrics = AggregatorMetrics(), dashboardToken: String = "") {
        self.ingest = ingest
        self.metrics = metrics
        self.dashboardAccess = DashboardAccess(token: dashboardToken)
        self.bodyBudget = Allowance(capacity: 8 * ingest.limits.maxBodyBytes)
        self.readiness = ReadinessProbe(storage: ingest.storage)
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: HeadMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.get("/healthz") { _, _ in jsonResponse(["status": "ok"]) }
        router.get("/readyz") { _, context in
            if let failure = await readiness.check() {
                // The reason goes to the log; anyone may ask this route.
                context.logger.warning("not ready: the database cannot be reached", metadata: ["error": "\(failure)"])
                throw Problem(.databaseUnavailable, title: "Not ready", status: 503,
                              detail: "this replica cannot reach its database; pushes get 503 until it returns (the reason is in its log)")
            }
            return jsonResponse(["status": "ready"])
        }
        router.get("/metrics") { _, _ in
            let text = await metrics.render(storage: storage)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/") { request, _ in
            let code = request.uri.queryParameters.get("area") ?? ""
            guard let area = DashboardArea(code: code) else {
                throw Problem(.badRequest, title: "Not an area code", status: 400,
                              detail: "area must be a Kemendagri code: PP, PP.KK, PP.KK.CC or PP.KK.CC.DDDD (e.g. 35.07.01)")
            }
            let language = DashboardLanguage(query: request.uri.queryParameters.get("lang"))
            switch dashboardAccess.decide(request, location: Dashboard.link(area.code, language)) {
            case .allowed: break
            case .setCookie(let location, let cookie):
                return Response(status: .seeOther, headers: [.location: location, .setCookie: cookie, .cacheControl: "no-store"])
            case .refused:
                throw Problem(.tokenRequired, title: "The dashboard needs its read token", status: 401,
                              detail: "this aggregator's dashboard is read with the token in dashboard_token (aggregator.toml): "
                                  + "open /?token=TOKEN once in the browser, or send Authorization: Bearer TOKEN")
            }
            let html = try await Dashboard.render(storage: storage, refusals: metrics.refusals(), now: Date(), area: area, language: language)
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        }
        router.get("/export/{kind}") { request, context in
            try await exportResponse(request, kind: context.parameters.get("kind") ?? "")
        }
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: ResponseBody(byteBuffer: ByteBuffer(string: EmbeddedOpenAPI.yaml + "\n")))
        }
        router.get("/v1/limits") { _, _ in jsonResponse(limits) }
        router.get("/v1/nodes/{node}/head") { request, context in
            let node = try context.parameters.require("node")
            do {
                let response = try await head(request, node: node, logger: context.logger)
                metrics.recordAccepted(node: node)
                return response
            } catch let problem as Problem {
                metrics.recordRefusal(node: node, type: problem.type, at: Date())
                throw problem
            }
        }
        router.post("/v1/nodes/{node}/push") { request, context in
            try await push(request, node: context.parameters.require("node"), logger: context.logger)
        }
        addFeedRoutes(to: router)
        router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes.map { ("\($0.method)", "\($0.path)") }))
        return router
    }

    /// The node's `Simpul-Backlog`, or nil when absent or not a whole number from 0 below 2^53 (display only: an odd
    /// value is left out, never a reason to refuse a push).
    static func reportedBacklog(_ request: Request) -> Int64? {
        guard let text = request.headers[HTTPField.Name(SimpulProtocol.backlogHeader)!], text.utf8.count <= 16,
              let value = Int64(text), value >= 0, value < 1 << 53 else { return nil }
        return value
    }

    func checkVersion(_ request: Request) throws(Problem) {
        let given = request.headers[HTTPField.Name(SimpulProtocol.versionHeader)!]
        guard given == String(SimpulProtocol.version) else { throw Problem.unsupportedVersion(given ?? "(none)") }
    }

    /// Node clock minus ours, from the `Simpul-Clock` header (covered by the signature of the routes that use it).
    func clockSkew(_ request: Request, now: Date) -> Double? {
        request.headers[HTTPField.Name(SimpulProtocol.clockHeader)!].flatMap { PushIngest.clockSkew(nodeClock: $0, now: now) }
    }

    func head(_ request: Request, node: String, logger: Logger) async throws -> Response {
        let record = try await authenticated(request, node: node) { HeadRequestSignature.message(node: node, clock: $0, counter: $1) }
        let now = Date()
        let receipt = await ingest.headReceipt(for: record, now: now)
        return jsonResponse(HeadResponse(
            node: node, seq: record.headSeq, hash: record.headHash, state: record.state, limits: limits, receipt: receipt))
    }

    func push(_ request: Request, node: String, logger: Logger) async throws -> Response {
        let started = ContinuousClock.now
        do {
            try checkVersion(request)
            let declared = request.headers[.contentLength].flatMap { Int($0) }
            if let declared, declared > limits.maxBodyBytes {
                throw Problem.tooLarge("the body is \(declared) bytes; the limit is \(limits.maxBodyBytes): send smaller batches (GET /v1/limits)")
            }
            let reservation = declared ?? limits.maxBodyBytes
            guard bodyBudget.tryTake(reservation) else {
                throw Problem(.busy, title: "Busy", status: 503,
                              detail: "the aggregator is reading other pushes' bodies; retry in a second")
            }
            defer { bodyBudget.giveBack(reservation) }
            let compressed: ByteBuffer
            do {
                compressed = try await request.body.collect(upTo: min(reservation, limits.maxBodyBytes))
            } catch is NIOTooManyBytesError {
                throw Problem.tooLarge("the body exceeds \(limits.maxBodyBytes) bytes; send smaller batches (GET /v1/limits)")
            }
            // Inflating and parsing happen before the signature can be checked: only a few at once.
            guard preAuth.tryTake() else {
                throw Problem(.busy, title: "Busy", status: 503,
                              detail: "the aggregator is checking \(preAuth.capacity) other pushes; retry in a second")
            }
            var gateHeld = true
            defer { if gateHeld { preAuth.giveBack() } }
            var body = Data(buffer: compressed)
            let encoding = request.headers[.contentEncoding]?.lowercased()
            if encoding == "gzip" || (encoding == nil && Gzip.isGzip(body)) {
                let bound = min(limits.maxDecompressedBytes, body.count * Self.maxInflateRatio + 65_536)
                do { body = try Gzip.decompress(body, maxOutput: bound) } catch {
                    switch error {
                    case .tooLarge(let limit) where limit < limits.maxDecompressedBytes:
                        throw Problem.tooLarge("the body inflates to more than \(Self.maxInflateRatio) times its \(compressed.readableBytes) bytes; it is not a push")
                    case .tooLarge(let limit): throw Problem.tooLarge("the body decompresses to more than \(limit) bytes")
                    case .truncated: throw Problem.malformed("the gzip body is truncated")
                    case .corrupt(let why): throw Problem.malformed("the gzip body is corrupt: \(why)")
                    }
                }
            } else if let encoding, encoding != "identity" {
                throw Problem(.unsupportedEncoding, title: "Unsupported content encoding", status: 415,
                              detail: "Content-Encoding '\(encoding)' is not supported; use gzip or none")
            }
            guard body.count <= limits.maxDecompressedBytes else {
                throw Problem.tooLarge("the body is \(body.count) bytes; the limit is \(limits.maxDecompressedBytes)")
            }
            let (header, entries) = try ingest.parse(body: body)
            // Parsed: what is left is checked against the node's key first, and stored only if it verifies.
            preAuth.giveBack()
            gateHeld = false
            let now = Date()
            let outcome = try await ingest.ingest(
                pathNode: node, header: header, entries: entries, now: now, logger: logger, reportedBacklog: Self.reportedBacklog(request))
            metrics.recordPush(result: "ok", stored: outcome.receipt.stored, duplicates: outcome.receipt.duplicates,
                               quarantinedFields: outcome.quarantinedFields, bytes: compressed.readableBytes, seconds: started.duration(to: .now))
            metrics.recordAccepted(node: node)
            logger.info("push stored", metadata: [
                "node": "\(node)", "push.from": "\(header.fromSeq)", "push.to": "\(header.toSeq)",
                "push.stored": "\(outcome.receipt.stored)", "push.duplicates": "\(outcome.receipt.duplicates)",
                "push.quarantined": "\(outcome.quarantined)",
            ])
            return jsonResponse(outcome.receipt)
        } catch let problem as Problem {
            metrics.recordPush(result: problem.type, stored: 0, duplicates: 0, quarantinedFields: [], bytes: 0, seconds: started.duration(to: .now))
            metrics.recordRefusal(node: node, type: problem.type, at: Date())
            logger.notice("push refused", metadata: ["node": "\(node)", "problem": "\(problem.type)", "detail": "\(problem.detail)"])
            throw problem
        }
    }
}

