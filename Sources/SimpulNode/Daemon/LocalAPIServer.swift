import Foundation
import Logging
import ServiceLifecycle
import SimpulCore

/// The local recording API for front-desk applications: plain HTTP/1.1 on a loopback address only
/// (`daemon.api_listen`, default 127.0.0.1:8731), for callers that present the installation's token and name this
/// address as `Host`; web pages only from `daemon.api_allowed_origins` (see `LocalAPIGuard`).
///
/// - `POST /v1/events`: one event object, or `{"events": [...]}`; all or nothing. `201` with the ids, or a
///   `422` problem naming the item and field, exactly as `simpul record` validates.
/// - `GET /v1/status`: what `simpul status --json` shows. `GET /healthz`.
/// - `GET /v1/cases[?open=true][&overdue=true][&case=ID]`: what `simpul cases --json` shows.
struct LocalAPIServer: Service, CustomStringConvertible {
    let listenFD: Int32
    let driver: SyncDriver
    let context: NodeContext
    let recorder: Recorder
    let access: LocalAPIGuard

    /// The service's name in ServiceLifecycle's logs (see ControlServer.description).
    var description: String { "LocalAPIServer" }

    static let maxBodyBytes = 4 << 20

    /// Binds `HOST:PORT` (IPv4 loopback).
    static func bind(_ address: HostPort) throws(NodeError) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(address.port).bigEndian)
        guard inet_pton(AF_INET, address.host == "localhost" ? "127.0.0.1" : address.host, &addr.sin_addr) == 1 else {
            close(fd)
            throw NodeError(.config, Message(.apiListenNotIPv4, ["host": address.host]), hint: Message(.apiListenNotIPv4Hint))
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0, listen(fd, 32) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw NodeError(.config, Message(.apiListenFailed, ["address": "\(address.host):\(address.port)", "error": message]),
                            hint: Message(.apiListenFailedHint))
        }
        return fd
    }

    func run() async throws {
        await SocketAcceptor.serve(listenFD: listenFD) { client in
            let (status, body, headers) = await answer(client, deadline: .now + SocketAcceptor.requestDeadline)
            await SocketAcceptor.reply(client, HTTPRequestReader.response(status: status, body: body, headers: headers))
        }
    }

    /// Access control on the request's head; the body is read, and the route run, only for a caller that passes it.
    func answer(_ client: Int32, deadline: ContinuousClock.Instant) async -> (Int, Data, [(String, String)]) {
        let head: HTTPRequestReader.Head
        switch await SocketAcceptor.blocking({ HTTPRequestReader.readHead(client, deadline: deadline) }) {
        case .failure(let failure): return refusal(failure, headers: [])
        case .success(let read): head = read
        }
        let cors: [(String, String)]
        switch access.check(head.request) {
        case .refuse(let refusal):
            let (status, body) = problem(refusal.status, refusal.type, refusal.detail)
            return (status, body, refusal.headers)
        case .preflight(let headers):
            return (204, Data(), headers)
        case .proceed(let corsHeaders):
            cors = corsHeaders
        }
        switch await SocketAcceptor.blocking({ HTTPRequestReader.readBody(client, head, maxBody: Self.maxBodyBytes, deadline: deadline) }) {
        case .failure(let failure): return refusal(failure, headers: cors)
        case .success(let request):
            let (status, body, headers) = await respond(to: request)
            return (status, body, headers + cors)
        }
    }

    func refusal(_ failure: HTTPRequestReader.Failure, headers: [(String, String)]) -> (Int, Data, [(String, String)]) {
        let (status, body) = problem(failure.status, failure.status == 413 ? .tooLarge : .malformedRequest, failure.detail)
        return (status, body, headers)
    }

    /// The method each route answers (a known route with another method gets 405 and `Allow`).
    static let routes = ["/healthz": "GET", "/v1/status": "GET", "/v1/events": "POST", "/v1/cases": "GET"]

    func respond(to request: HTTPRequestReader.Request) async -> (Int, Data, [(String, String)]) {
        if let allowed = Self.routes[request.path], allowed != request.method {
            let (status, body) = problem(405, .methodNotAllowed, "\(request.method.prefix(20)) is not allowed on \(request.path); use \(allowed)")
            return (status, body, [("Allow", allowed)])
        }
        let (status, body) = await route(request)
        return (status, body, [])
    }

    func route(_ request: HTTPRequestReader.Request) async -> (Int, Data) {
        switch (request.method, request.path) {
        case ("GET", "/healthz"):
            return (200, Data(#"{"status":"ok"}"#.utf8))
        case ("GET", "/v1/status"):
            let context = context
            let result = await SocketAcceptor.blocking { () -> Result<NodeStatusReport, NodeError> in
                Result { () throws(NodeError) in try NodeStatusReport.read(context, daemonRunning: true) }
            }
            switch result {
            case .success(let report): return (200, encode(report))
            case .failure(let error): return problem(500, .internal, error.message)
            }
        case ("POST", "/v1/events"):
            let objects: [[String: JSONValue]]
            do { objects = try EventInput.objects(from: request.body) } catch {
                return problem(400, .malformedBody, "the body \(error.reason)")
            }
            switch await recorder.recordOffPool(objects: objects) {
            case .success(let entries):
                await driver.localChange()
                return (201, encode(LocalRecordAnswer(ok: true, recorded: entries.count, events: entries)))
            case .failure(let error):
                let status = error.code == .invalidEvent ? 422 : error.code == .rebuildPending ? 503 : 500
                return problem(status, LocalAPIProblemType(recording: error.code), error.message)
            }
        case ("GET", "/v1/cases"):
            var filter = CaseListing.Filter()
            for pair in request.query.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                let value = kv.count > 1 ? (kv[1].removingPercentEncoding ?? kv[1]) : ""
                switch kv[0] {
                case "open": filter.openOnly = value == "true" || value == "1"
                case "overdue": filter.overdueOnly = value == "true" || value == "1"
                case "case": filter.caseID = value
                default: return problem(400, .malformedRequest, "unknown query parameter '\(kv[0].prefix(40))'; known: open, overdue, case")
                }
            }
            let listing = CaseListing(context: context)
            let wanted = filter
            let result = await SocketAcceptor.blocking { () -> Result<[CaseView], NodeError> in
                Result { () throws(NodeError) in try listing.cases(wanted) }
            }
            switch result {
            case .success(let cases): return (200, encode(cases))
            case .failure(let error): return problem(500, .internal, error.message)
            }
        default:
            return problem(404, .notFound, "no route \(request.method.prefix(20)) \(request.path.prefix(200)); routes: POST /v1/events, GET /v1/status, GET /v1/cases, GET /healthz")
        }
    }

    func encode<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    func problem(_ status: Int, _ type: LocalAPIProblemType, _ detail: String) -> (Int, Data) {
        (status, encode(Problem(type: type.rawValue, title: HTTPRequestReader.reason(status), status: status, detail: detail)))
    }
}
