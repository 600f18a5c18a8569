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
            // Refused on its head alone: a caller without the token who announces 4 MB and sends none of it gets 401 at
            // once, without the API waiting for (or reading) the body.
            let unread = try LocalAPILimitsTests.connect(port: port)
            defer { close(unread) }
            HostileRequestTests.write(unread, "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer wrong\r\nContent-Length: 4000000\r\n\r\n")
            let early = HostileRequestTests.answer(unread, within: 3.0)
            #expect(early?.hasPrefix("HTTP/1.1 401") == true, "a refused request waited for its body: \(early ?? "no answer in 3 s")")
            // A known route with another method: 405 naming the allowed one.
            let (wrongMethod, wrongMethodHead, _) = try LocalAPI.requestWithHead(node, port: port, method: "DELETE", path: "/v1/events")
            #expect(wrongMethod == 405 && wrongMethodHead.contains("Allow: POST"), "\(wrongMethodHead)")

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

/// Idle and slow clients cannot hold the local API: at most 32 connections at once (more are closed at once), and a
/// request must be whole within 10 s however slowly it trickles.
@Suite("Local API connection limits (live)", .serialized)
struct LocalAPILimitsTests {
    @Test("40 idle connections: the ones past 32 are closed at once; a trickling request gets 408 by 10 s; then the API answers")
    func idleAndSlowClientsAreBounded() async throws {
        try await LiveCluster.run(serve: false) { cluster in
            let node = try await cluster.makeNode(enrol: false)
            let port = try LiveCluster.freePort()
            let daemon = try node.start(["daemon"], environment: ["SIMPUL_DAEMON_API_LISTEN": "127.0.0.1:\(port)", "SIMPUL_SYNC_INTERVAL_SECONDS": "3600"])
            defer { if daemon.isRunning { daemon.killNow() } }
            for _ in 0..<100 where LiveCluster.httpStatus(port: port, path: "/healthz") == nil { try await Task.sleep(for: .milliseconds(100)) }

            let started = ContinuousClock.now
            var idle = [Int32]()
            defer { for fd in idle { close(fd) } }
            for _ in 0..<40 { idle.append(try Self.connect(port: port)) }
            try await Task.sleep(for: .milliseconds(500))
            // A closed connection reads EOF at once; a held one times out.
            let closedEarly = idle.filter { Self.readsEOF($0, within: 0.2) }.count
            #expect(closedEarly >= 8, "\(closedEarly) of 40 idle connections were closed at once")
            for fd in idle { close(fd) }
            idle.removeAll()

            // A client trickling its request, a byte every 400 ms.
            let slow = try Self.connect(port: port)
            defer { close(slow) }
            let request = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nX-Pad: \(String(repeating: "a", count: 200))\r\n\r\n".utf8)
            let trickleStart = ContinuousClock.now
            var sent = 0
            while sent < request.count, ContinuousClock.now - trickleStart < .seconds(14) {
                if send(slow, [request[sent]], 1, Int32(MSG_NOSIGNAL)) <= 0 { break }
                sent += 1
                try await Task.sleep(for: .milliseconds(400))
            }
            var answer = [UInt8](repeating: 0, count: 512)
            let n = recv(slow, &answer, answer.count, 0)
            let text = n > 0 ? String(decoding: answer[0..<n], as: UTF8.self) : ""
            #expect(text.hasPrefix("HTTP/1.1 408") || n <= 0, "a trickling request was served or held: \(text)")
            // 10 s is the deadline; the margin is for a loaded machine (the whole suite runs at once).
            #expect(ContinuousClock.now - trickleStart < .seconds(25), "the trickling client was held far past the deadline")
            #expect(sent < request.count, "the whole trickled request got through")

            let (status, _) = try LocalAPI.request(node, port: port, method: "GET", path: "/v1/status")
            #expect(status == 200, "the API does not answer after the flood")
            print("local API limits: \(closedEarly) of 40 idle connections closed at once; trickler ended after \(ContinuousClock.now - trickleStart); total \(ContinuousClock.now - started)")
        }
    }

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
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }
}
