import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// What an unauthenticated push can cost is bounded: a gzip bomb is refused at 64 times its size, a header line
/// longer than 4 KiB is refused before it is decoded, and a crowd of such requests does not stop a real push.
@Suite struct PreAuthBoundsTests {
    /// 16 KiB of gzip inflating to 16 MiB: one endless "header line".
    static let bomb: Data = Gzip.compress(Data("{\"node\":\"".utf8) + Data(repeating: UInt8(ascii: "a"), count: 16 << 20), level: 9)

    @Test func aGzipBombAndAnOversizedHeaderLineAreRefusedBeforeAnyDecode() async throws {
        let log = try NodeLog.recorded(3)
        let h = try await AggregatorHarness.make(enrolling: [log])
        #expect(Self.bomb.count < 64 << 10)
        try await h.test { client in
            let bomb = try await client.execute(uri: "/v1/nodes/\(log.id)/push", method: .post, headers: Wire.pushHeaders(gzip: true),
                                                body: ByteBuffer(data: Self.bomb))
            #expect(bomb.status.code == 413, "\(String(buffer: bomb.body))")
            var long = Data("{\"pad\":\"".utf8) + Data(repeating: UInt8(ascii: "b"), count: 8192) + Data("\"}\n".utf8)
            long.append(log.entries[0].bytes)
            let header = try await client.push(node: log.id, body: long)
            #expect(header.status.code == 413 && String(buffer: header.body).contains("header line"), "\(String(buffer: header.body))")
            #expect(try h.entryCount() == 0)
        }
    }

    @Test func aCrowdOfBombsDoesNotStopARealPush() async throws {
        let log = try NodeLog.recorded(3)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            let codes = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<32 {
                    group.addTask {
                        let response = try await client.execute(uri: "/v1/nodes/\(log.id)/push", method: .post,
                                                                headers: Wire.pushHeaders(gzip: true), body: ByteBuffer(data: Self.bomb))
                        if response.status.code == 503 { #expect(response.headers[.retryAfter] == "1") }
                        return UInt(response.status.code)
                    }
                }
                var out = [UInt]()
                for try await code in group { out.append(code) }
                return out
            }
            #expect(codes.allSatisfy { $0 == 413 || $0 == 503 }, "\(codes)")
            var stored = false
            for _ in 0..<10 where !stored {
                let response = try await client.push(node: log.id, body: try log.body(1...3), gzip: true)
                stored = response.status == .ok
                if !stored { try await Task.sleep(for: .milliseconds(100)) }
            }
            let count = try h.entryCount()
            #expect(stored && count == 3)
        }
    }
}
