import Foundation
import Testing

/// The local API is closed to web pages and other programs: only a caller with the installation's token, naming
/// the loopback address, sending JSON, from no web origin or an allowed one, reaches the recorder.
@Suite("Local API access control (live)", .serialized)
struct LocalAPIAccessTests {
    static let event = Array(#"{"kind":"request.received","service":"ADM.KK","desa":"35.07.01.2001"}"#.utf8)

    @Test("a web page's text/plain post, another origin, a rebinding Host, no or a wrong token, a non-JSON body: refused, nothing recorded")
    func outsidersAreRefused() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            let port = try LiveCluster.freePort()
            let daemon = try node.start(["daemon"], environment: [
                "SIMPUL_DAEMON_API_LISTEN": "127.0.0.1:\(port)", "SIMPUL_DAEMON_API_ALLOWED_ORIGINS": "http://localhost:3000",
                "SIMPUL_SYNC_INTERVAL_SECONDS": "3600",
            ])
            defer { if daemon.isRunning { daemon.killNow() } }
            for _ in 0..<100 where LiveCluster.httpStatus(port: port, path: "/healthz") == nil { try await Task.sleep(for: .milliseconds(100)) }

            // The browser attack as filed: a page posts text/plain with its own Origin, no token.
            let page = try LocalAPI.request(node, port: port, method: "POST", path: "/v1/events", body: Self.event, token: .some(nil),
                                            contentType: "text/plain", extra: [("Origin", "https://evil.example")])
            #expect(page.0 == 403, "\(page)")
            // Each defence alone.
            let origin = try LocalAPI.request(node, port: port, method: "POST", path: "/v1/events", body: Self.event,
                                              extra: [("Origin", "https://evil.example")])
            #expect(origin.0 == 403 && origin.1.contains("origin-not-allowed"), "\(origin)")
            let rebound = try LocalAPI.request(node, port: port, method: "GET", path: "/v1/status", host: "evil.example:\(port)")
            #expect(rebound.0 == 421, "a rebinding host name must not read the status: \(rebound)")
            let (missing, missingHead, _) = try LocalAPI.requestWithHead(node, port: port, method: "POST", path: "/v1/events", body: Self.event, token: .some(nil))
            #expect(missing == 401 && missingHead.contains("WWW-Authenticate: Bearer"), "\(missingHead)")
            let wrong = try LocalAPI.request(node, port: port, method: "GET", path: "/v1/status", token: .some("not-the-token"))
            #expect(wrong.0 == 401)
            let plain = try LocalAPI.request(node, port: port, method: "POST", path: "/v1/events", body: Self.event, contentType: "text/plain")
            #expect(plain.0 == 415, "\(plain)")
            let crossSite = try LocalAPI.request(node, port: port, method: "POST", path: "/v1/events", body: Self.event,
                                                 extra: [("Sec-Fetch-Site", "cross-site")])
            #expect(crossSite.0 == 403)
            #expect(try await node.logEntries().isEmpty, "a refused request recorded something")

            // The front-desk application: loopback Host (either name), the token, JSON.
            #expect(try LocalAPI.request(node, port: port, method: "POST", path: "/v1/events", body: Self.event).0 == 201)
            #expect(try LocalAPI.request(node, port: port, method: "POST", path: "/v1/events", body: Self.event, host: "localhost:\(port)").0 == 201)
            // An allowed web application: its preflight gets CORS, its request the allow header.
            let (preflight, preflightHead, _) = try LocalAPI.requestWithHead(
                node, port: port, method: "OPTIONS", path: "/v1/events", token: .some(nil),
                extra: [("Origin", "http://localhost:3000"), ("Access-Control-Request-Method", "POST")])
            #expect(preflight == 204 && preflightHead.contains("Access-Control-Allow-Origin: http://localhost:3000"), "\(preflightHead)")
            let (allowed, allowedHead, _) = try LocalAPI.requestWithHead(node, port: port, method: "POST", path: "/v1/events", body: Self.event,
                                                                         extra: [("Origin", "http://localhost:3000")])
            #expect(allowed == 201 && allowedHead.contains("Access-Control-Allow-Origin: http://localhost:3000"))
            #expect(try await node.logEntries().count == 3)

            // Rotation: the old token is refused at once, the new one works.
            let old = try LocalAPI.token(node)
            let rotated = try await node.run(["api-token", "--rotate"])
            try #require(rotated.status == 0, "\(rotated.summary)")
            let new = rotated.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
            let onDisk = try LocalAPI.token(node)
            #expect(new != old && new == onDisk)
            #expect(try LocalAPI.request(node, port: port, method: "GET", path: "/v1/status", token: .some(old)).0 == 401)
            #expect(try LocalAPI.request(node, port: port, method: "GET", path: "/v1/status", token: .some(new)).0 == 200)
            // The token file is the owner's and the group's only.
            let mode = try FileManager.default.attributesOfItem(atPath: node.dir + "/api.token")[.posixPermissions] as? Int
            #expect(mode == 0o640, "api.token mode \(String(mode ?? 0, radix: 8))")
        }
    }
}

/// Raw loopback sockets for the hostile-request tests.
enum LocalAPILimitsTests {
    static func connect(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, LiveCluster.streamType, 0)
        var address = LiveCluster.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw LiveError("cannot connect to 127.0.0.1:\(port)") }
        return fd
    }

    /// True when the peer closed the connection (EOF or reset) within `seconds`.
    static func readsEOF(_ fd: Int32, within seconds: Double) -> Bool {
        var timeout = timeval(tv_sec: 0, tv_usec: Int(seconds * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }
}
