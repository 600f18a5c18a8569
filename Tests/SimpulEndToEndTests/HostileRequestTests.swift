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

/// 16 KiB of gzip that inflates to 16 MiB.
enum PreAuthBomb {
    static func make() -> [UInt8] {
        Array(Gzip.compress(Data(repeating: UInt8(ascii: "a"), count: 16 << 20), level: 9))
    }
}
