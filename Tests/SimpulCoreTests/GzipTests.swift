import Foundation
import SimpulCore
import Testing

@Suite("gzip")
struct GzipTests {
    static func sample(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        while text.utf8.count < count {
            text += #"{"event":{"desa":"35.07.01.2001","kind":"request.received","service":"ADM.KTPEL"},"seq":\#(generator.next() % 100_000)}"#
            text += "\n"
        }
        return Data(text.utf8)
    }

    @Test("compress then decompress gives back the input", arguments: [0, 1, 1000, 300_000])
    func roundTrip(size: Int) throws {
        let input = Self.sample(size)
        let compressed = Gzip.compress(input)
        #expect(Gzip.isGzip(compressed))
        if size > 1000 { #expect(compressed.count < input.count / 2) }
        #expect(try Gzip.decompress(compressed, maxOutput: input.count) == input)
    }

    @Test("random bytes round-trip too")
    func randomRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        let input = Data((0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        #expect(try Gzip.decompress(Gzip.compress(input, level: 1), maxOutput: 1 << 20) == input)
    }

    @Test("a truncated body is refused, wherever it is cut")
    func truncatedRefused() throws {
        let compressed = Gzip.compress(Self.sample(50_000))
        for keep in [0, 5, 10, compressed.count / 2, compressed.count - 8, compressed.count - 1] {
            #expect(throws: Gzip.Failure.truncated, "cut to \(keep) of \(compressed.count) bytes") {
                try Gzip.decompress(compressed.prefix(keep), maxOutput: 1 << 20)
            }
        }
    }

    @Test("a damaged body is refused")
    func corruptRefused() {
        var compressed = Gzip.compress(Self.sample(50_000))
        compressed[compressed.startIndex + compressed.count / 2] ^= 0xff
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(compressed, maxOutput: 1 << 20) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Data("not gzip at all".utf8), maxOutput: 1 << 20) }
    }

    @Test("output beyond the limit is refused; output at the limit is not")
    func outputLimit() throws {
        let input = Data(repeating: 0x41, count: 1 << 20)
        let compressed = Gzip.compress(input)
        #expect(compressed.count < 4096)
        #expect(throws: Gzip.Failure.tooLarge(limit: 1000)) { try Gzip.decompress(compressed, maxOutput: 1000) }
        #expect(throws: Gzip.Failure.tooLarge(limit: input.count - 1)) {
            try Gzip.decompress(compressed, maxOutput: input.count - 1)
        }
        #expect(try Gzip.decompress(compressed, maxOutput: input.count).count == input.count)
    }

    @Test("bytes after the end of the gzip stream are not silently dropped")
    func trailingDataNotDropped() {
        let first = Data("first batch\n".utf8)
        let second = Data("second batch\n".utf8)
        let body = Gzip.compress(first) + Gzip.compress(second)
        // Either every member is inflated or the body is refused; returning only the first member loses data.
        if let output = try? Gzip.decompress(body, maxOutput: 1 << 20) {
            #expect(output == first + second)
        }
        let garbage = Gzip.compress(first) + Data("trailing".utf8)
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(garbage, maxOutput: 1 << 20) }
    }
}
