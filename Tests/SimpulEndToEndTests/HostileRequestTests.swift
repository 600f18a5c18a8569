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
    @Test("50 half-sent requests are closed after the idle timeout, and a real push succeeds meanwhile")
    func halfSentRequestsAreClosed() async throws {
        try await LiveCluster.run(serve: false) { cluster in
            let config = try String(contentsOfFile: cluster.aggregatorConfig, encoding: .utf8)
            try config.replacingOccurrences(of: "idle_timeout_seconds = 0", with: "idle_timeout_seconds = 2")
                .write(toFile: cluster.aggregatorConfig, atomically: true, encoding: .utf8)
            try await cluster.startAggregator()
            let node = try await cluster.makeNode()
            var half = [Int32]()
            defer { for fd in half { close(fd) } }
            for _ in 0..<50 {
                let fd = try LocalAPILimitsTests.connect(port: cluster.port)
                let partial = Array("POST /v1/nodes/\(node.id)/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n".utf8)
                _ = partial.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                half.append(fd)
            }
            try await node.record(20)
            try await node.syncCompletely()
            try await Task.sleep(for: .seconds(4))
            let closed = half.filter { LocalAPILimitsTests.readsEOF($0, within: 0.5) }.count
            #expect(closed == 50, "only \(closed) of 50 half-sent requests were closed after the idle timeout")
        }
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

/// 16 KiB of gzip that inflates to 16 MiB.
enum PreAuthBomb {
    static func make() -> [UInt8] {
        Array(Gzip.compress(Data(repeating: UInt8(ascii: "a"), count: 16 << 20), level: 9))
    }
}
