import Foundation
import SimpulCore
import Testing

/// Hostile requests against a real aggregator with its default limits: a 16 KiB gzip bomb is refused at 64 times
/// its size, before its "header" is decoded.
@Suite("Hostile requests (live)", .serialized)
struct HostileRequestTests {
    @Test("a gzip bomb is refused with 413 for its inflation ratio, and the server keeps serving")
    func gzipBomb() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            let bomb = PreAuthBomb.make()
            var request = "POST /v1/nodes/\(node.id)/push HTTP/1.1\r\nHost: 127.0.0.1\r\nSimpul-Protocol: 1\r\n"
            request += "Content-Type: application/x-ndjson\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)\r\nConnection: close\r\n\r\n"
            let (status, body) = try LiveCluster.exchange(port: cluster.port, request: Array(request.utf8) + bomb)
            #expect(status == 413 && body.contains("64 times"), "\(status) \(body)")
            try await node.record(5)
            try await node.syncCompletely()
        }
    }
}

extension HostileRequestTests {
    /// Starts the aggregator with `settings` (TOML lines) replacing the connection limits of the rendered config.
    static func startAggregator(_ cluster: LiveCluster, idle: Int, request: Int, connections: Int) async throws {
        var config = try String(contentsOfFile: cluster.aggregatorConfig, encoding: .utf8)
        for (key, value) in [("idle_timeout_seconds", idle), ("request_timeout_seconds", request), ("max_connections", connections)] {
            let line = try #require(config.split(separator: "\n").first { $0.hasPrefix(key + " = ") }, "no \(key) in the rendered config")
            config = config.replacingOccurrences(of: String(line), with: "\(key) = \(value)")
        }
        try config.write(toFile: cluster.aggregatorConfig, atomically: true, encoding: .utf8)
        try await cluster.startAggregator()
    }

    static func write(_ fd: Int32, _ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    @Test("50 half-sent requests beside a cap of 20 connections: a real push succeeds, and every one is closed")
    func halfSentRequestsAreClosed() async throws {
        try await LiveCluster.run(serve: false) { cluster in
            try await Self.startAggregator(cluster, idle: 2, request: 120, connections: 20)
            let node = try await cluster.makeNode()
            var half = [Int32]()
            defer { for fd in half { close(fd) } }
            for _ in 0..<50 {
                let fd = try LocalAPILimitsTests.connect(port: cluster.port)
                Self.write(fd, "POST /v1/nodes/\(node.id)/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n")
                half.append(fd)
            }
            try await node.record(20)
            try await node.syncCompletely()
            try await Task.sleep(for: .seconds(4))
            let closed = half.filter { LocalAPILimitsTests.readsEOF($0, within: 0.5) }.count
            #expect(closed == 50, "only \(closed) of 50 half-sent requests were closed after the idle timeout")
        }
    }

    @Test("the connection cap holds: with 4 connections held, a 5th is answered only once the idle timeout frees one")
    func connectionCap() async throws {
        try await LiveCluster.run(serve: false) { cluster in
            try await Self.startAggregator(cluster, idle: 3, request: 120, connections: 4)
            var held = [Int32]()
            defer { for fd in held { close(fd) } }
            for _ in 0..<4 {
                let fd = try LocalAPILimitsTests.connect(port: cluster.port)
                Self.write(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                held.append(fd)
            }
            try await Task.sleep(for: .milliseconds(300))
            let fifth = try LocalAPILimitsTests.connect(port: cluster.port)
            held.append(fifth)
            Self.write(fifth, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            #expect(Self.answer(fifth, within: 1.0) == nil, "a 5th connection was served beside 4 held ones: no cap")
            let answer = Self.answer(fifth, within: 6.0)
            #expect(answer?.hasPrefix("HTTP/1.1 200") == true, "the 5th connection was never served: \(answer ?? "nothing")")
        }
    }

    @Test("a body trickled a byte at a time is cut off at the request deadline, and the server keeps serving")
    func trickledBodyIsCutOff() async throws {
        try await LiveCluster.run(serve: false) { cluster in
            try await Self.startAggregator(cluster, idle: 30, request: 2, connections: 512)
            let node = try await cluster.makeNode()
            let fd = try LocalAPILimitsTests.connect(port: cluster.port)
            defer { close(fd) }
            Self.write(fd, "POST /v1/nodes/\(node.id)/push HTTP/1.1\r\nHost: 127.0.0.1\r\nSimpul-Protocol: 1\r\n"
                + "Content-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n")
            let start = ContinuousClock.now
            var cut = false
            for _ in 0..<40 where !cut {
                Self.write(fd, "{")
                cut = LocalAPILimitsTests.readsEOF(fd, within: 0.2)
            }
            let elapsed = ContinuousClock.now - start
            #expect(cut && elapsed < .seconds(6), "a trickled body was not cut off (\(elapsed))")
            try await node.record(5)
            try await node.syncCompletely()
        }
    }

    /// The bytes a connection answers within `seconds`, or nil if it answers nothing.
    static func answer(_ fd: Int32, within seconds: Double) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(seconds * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : nil
    }
}

extension HostileRequestTests {
    @Test("bodies held before their signature is checked are bounded: 8 of the largest at once, the 9th gets 503")
    func bodyBudget() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            var held = [Int32]()
            defer { for fd in held { close(fd) } }
            let head = "POST /v1/nodes/\(node.id)/push HTTP/1.1\r\nHost: 127.0.0.1\r\nSimpul-Protocol: 1\r\n"
                + "Content-Type: application/x-ndjson\r\nContent-Length: 4194304\r\n\r\n{\"a\":"
            for _ in 0..<8 {
                let fd = try LocalAPILimitsTests.connect(port: cluster.port)
                _ = Array(head.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                held.append(fd)
            }
            try await Task.sleep(for: .milliseconds(500))
            let (status, answerHead, _) = try LiveCluster.exchangeWithHead(port: cluster.port, request: Array((head + "1}").utf8))
            #expect(status == 503 && answerHead.contains("Retry-After: 1"), "\(status) \(answerHead)")
            for fd in held { close(fd) }
            held.removeAll()
            try await Task.sleep(for: .milliseconds(300))
            try await node.record(5)
            try await node.syncCompletely()
        }
    }
}

extension HostileRequestTests {
    @Test("a request the HTTP parser cannot read gets a 400 problem body, not an empty 400")
    func unparsableRequestsGetAProblem() async throws {
        try await LiveCluster.run { cluster in
            for request in [
                "POST /v1/nodes/35.07.01/push HTTP/1.1\r\nHost: 127.0.0.1\r\nSimpul-Protocol: 1\r\nContent-Length: abc\r\n\r\nx",
                "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: \(String(repeating: "a", count: 100_000))\r\n\r\n",
            ] {
                let (status, head, body) = try LiveCluster.exchangeWithHead(port: cluster.port, request: Array(request.utf8))
                #expect(status == 400 && head.contains("application/problem+json") && body.contains("\"type\":\"bad-request\""), "\(head)\(body)")
            }
            #expect(try LiveCluster.httpGet(port: cluster.port, path: "/healthz").contains("ok"))
        }
    }
}

extension HostileRequestTests {
    @Test("a push refused before its body is read does not keep its connection: the aggregator drops the body and closes")
    func refusedUnreadBodiesDoNotHoldConnections() async throws {
        try await LiveCluster.run { cluster in
            let pid = try #require(cluster.server?.pid)
            func descriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1 }
            let before = descriptors()
            var clients = [Int32]()
            defer { for fd in clients { close(fd) } }
            // Declared over max_body_bytes: refused with 413 on the head, the body never read. The client sends part of
            // the body, reads the answer, then closes, as a refused uploader does.
            let piece = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
            for _ in 0..<20 {
                let fd = try LocalAPILimitsTests.connect(port: cluster.port)
                Self.write(fd, "POST /v1/nodes/35.07.01/push HTTP/1.1\r\nHost: 127.0.0.1\r\nSimpul-Protocol: 1\r\nConnection: close\r\n"
                    + "Content-Type: application/x-ndjson\r\nContent-Length: 8388608\r\n\r\n")
                // As much body as the sockets take (megabytes on loopback), without blocking on a full buffer.
                var sent = 0
                for _ in 0..<200 where sent < 4 << 20 {
                    let n = piece.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
                    if n <= 0 { try await Task.sleep(for: .milliseconds(5)) } else { sent += n }
                }
                clients.append(fd)
            }
            for fd in clients { #expect(Self.answer(fd, within: 5)?.hasPrefix("HTTP/1.1 413") == true) }
            for fd in clients { close(fd) }
            clients.removeAll()
            var after = descriptors()
            for _ in 0..<50 where after > before + 2 {
                try await Task.sleep(for: .milliseconds(100))
                after = descriptors()
            }
            #expect(after <= before + 2, "the aggregator still holds \(after - before) connections 5 s after the clients left")
        }
    }
}

/// 16 KiB of gzip that inflates to 16 MiB.
enum PreAuthBomb {
    static func make() -> [UInt8] {
        Array(Gzip.compress(Data(repeating: UInt8(ascii: "a"), count: 16 << 20), level: 9))
    }
}
