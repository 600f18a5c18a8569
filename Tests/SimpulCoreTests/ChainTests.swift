import Foundation
import SimpulCore
import Testing

@Suite("Log entries and the hash chain")
struct ChainTests {
    static let node = "35.07.01"

    /// Entries 1...count around real events, with their chained hashes.
    static func chain(_ count: Int) throws -> [(entry: LogEntry, hash: Data)] {
        let builder = Fixture.builder()
        var clock = HybridLogicalClock()
        var previous = ChainHash.genesis
        var out = [(entry: LogEntry, hash: Data)]()
        for seq in 1...Int64(count) {
            let event = try builder.build(object: Fixture.request(["officer": .string("ani")]), now: Fixture.now)
            let bytes = LogEntry.encode(
                seq: seq, node: node, hlc: clock.tick(wallMillis: 1_788_000_000_000), eventJSON: try event.canonicalJSON())
            previous = ChainHash.next(previous: previous, entry: bytes)
            out.append((LogEntry(seq: seq, bytes: bytes), previous))
        }
        return out
    }

    @Test("the chain hash is SHA-256(previous hash || entry bytes)")
    func knownVector() {
        // python3: hashlib.sha256(bytes(32) + b'abc').hexdigest()
        let hash = ChainHash.next(previous: ChainHash.genesis, entry: Data("abc".utf8))
        #expect(Hex.encode(hash) == "365aa7d8f7f9402c4b9434502b4cc89ddb09fe50d7cd95b493b834c62d5a5370")
        #expect(ChainHash.genesis == Data(repeating: 0, count: 32))
    }

    @Test("an entry's bytes decode to its seq, node, stamp and event")
    func entryDecodes() throws {
        let event = try Fixture.builder().build(object: Fixture.request(), now: Fixture.now)
        let stamp = HLCTimestamp(millis: 1_788_000_000_000, logical: 3)
        let bytes = LogEntry.encode(seq: 42, node: Self.node, hlc: stamp, eventJSON: try event.canonicalJSON())
        let content = try LogEntry(seq: 42, bytes: bytes).decode()
        #expect(content.seq == 42)
        #expect(content.node == Self.node)
        #expect(content.hlc == stamp.packed)
        #expect(content.event == event)
    }

    @Test("an intact chain verifies to its last hash")
    func intactChainVerifies() throws {
        let chain = try Self.chain(8)
        var verifier = ChainVerifier(node: Self.node)
        for link in chain { try verifier.append(link.entry, storedHash: link.hash) }
        #expect(verifier.hash == chain.last?.hash)
        #expect(verifier.expectedSeq == 9)
    }

    @Test("one changed byte is caught at its entry", arguments: [1, 4, 8])
    func changedByteCaught(seq: Int) throws {
        var chain = try Self.chain(8)
        var bytes = chain[seq - 1].entry.bytes
        let officer = try #require(bytes.range(of: Data(#""ani""#.utf8)))
        bytes[officer.lowerBound + 3] = UInt8(ascii: "j")  // "anj": still a valid entry, so only the hash can tell
        chain[seq - 1].entry.bytes = bytes
        var verifier = ChainVerifier(node: Self.node)
        let failure = try #require(throws: ChainVerifier.Failure.self) {
            for link in chain { try verifier.append(link.entry, storedHash: link.hash) }
        }
        #expect(failure.seq == Int64(seq))
        #expect(failure.reason.contains("hash"))
    }

    @Test("without stored hashes, a changed byte still shows in the head hash a verifier ends on")
    func changedByteChangesHead() throws {
        var chain = try Self.chain(5)
        var bytes = chain[1].entry.bytes
        let officer = try #require(bytes.range(of: Data(#""ani""#.utf8)))
        bytes[officer.lowerBound + 3] = UInt8(ascii: "j")
        chain[1].entry.bytes = bytes
        var verifier = ChainVerifier(node: Self.node)
        for link in chain { try verifier.append(link.entry) }  // every entry still decodes and links
        #expect(verifier.expectedSeq == 6)
        #expect(verifier.hash != chain.last?.hash)
    }

    @Test("a missing or repeated seq is named")
    func gapCaught() throws {
        let chain = try Self.chain(5)
        var verifier = ChainVerifier(node: Self.node)
        try verifier.append(chain[0].entry, storedHash: chain[0].hash)
        let gap = try #require(throws: ChainVerifier.Failure.self) { try verifier.append(chain[2].entry, storedHash: chain[2].hash) }
        #expect(gap.seq == 2)
        let repeated = try #require(throws: ChainVerifier.Failure.self) { try verifier.append(chain[0].entry, storedHash: chain[0].hash) }
        #expect(repeated.seq == 2)
    }

    @Test("an entry of another node is refused")
    func otherNodeRefused() throws {
        let chain = try Self.chain(1)
        var verifier = ChainVerifier(node: "35.07.02")
        let failure = try #require(throws: ChainVerifier.Failure.self) { try verifier.append(chain[0].entry, storedHash: chain[0].hash) }
        #expect(failure.seq == 1)
        #expect(failure.reason.contains("35.07.01"))
    }

    @Test("an entry whose bytes name another seq is refused")
    func relabelledSeqRefused() throws {
        let chain = try Self.chain(3)
        var verifier = ChainVerifier(node: Self.node)
        try verifier.append(chain[0].entry, storedHash: chain[0].hash)
        // Entry 3's bytes put at seq 2, with the hash recomputed so only the embedded seq is wrong.
        let moved = LogEntry(seq: 2, bytes: chain[2].entry.bytes)
        let failure = try #require(throws: ChainVerifier.Failure.self) {
            try verifier.append(moved, storedHash: ChainHash.next(previous: chain[0].hash, entry: moved.bytes))
        }
        #expect(failure.seq == 2)
    }
}
