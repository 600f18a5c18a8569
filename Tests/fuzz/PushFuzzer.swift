// The `push` target: what the aggregator does with a push body before the node's signature is checked (the bounded
// gzip inflation, then `PushBody.parse`), and the work of ingest after it that needs no storage (the range against
// the entries, the hashes' form, each entry decoded and checked against the rules, the hash chain walked).
import Foundation

/// The aggregator's bounds (`Limits()`, `PushIngest`), and small ones so that 4 KiB inputs reach every refusal.
private let realLimits = Limits()
private let smallLimits = Limits(maxBodyBytes: 4096, maxDecompressedBytes: 4096, maxEntries: 3, maxEntryBytes: 300)
private let maxSeq: Int64 = 1 << 53
/// The fuzzer's inflation bound: far above what a useful 4 KiB gzip holds, far below what 4 KiB can expand to.
private let maxInflated = 1 << 16
private let shippedRules = EventRules()

func fuzzPush(_ bytes: Data) {
    var body = bytes
    if Gzip.isGzip(bytes) {
        // As the aggregator does with a body that starts with the gzip magic: inflated or refused.
        guard let inflated = inflate(bytes) else { return }
        body = inflated
    } else if bytes.count <= 512 {
        // Compressing then inflating gives the input back, in exactly its own size and not in one byte less.
        let compressed = Gzip.compress(bytes, level: 1)
        expect(Gzip.isGzip(compressed), "compress gives a gzip stream")
        expect((try? Gzip.decompress(compressed, maxOutput: bytes.count)) == bytes, "gzip round trip of \(bytes.count) bytes")
    }
    parse(body, limits: smallLimits, maxHeaderLineBytes: 512)
    parse(body, limits: realLimits, maxHeaderLineBytes: 4096)
}

/// Inflates within `maxInflated`, never more, and checks that the bound is exact.
private func inflate(_ gzip: Data) -> Data? {
    let inflated: Data
    do { inflated = try Gzip.decompress(gzip, maxOutput: maxInflated) } catch {
        if case .tooLarge(let limit) = error { expect(limit == maxInflated, "tooLarge names the bound") }
        return nil
    }
    expect(inflated.count <= maxInflated, "inflated \(inflated.count) bytes over the bound \(maxInflated)")
    expect((try? Gzip.decompress(gzip, maxOutput: inflated.count)) == inflated, "a stream inflates the same within its own size")
    if !inflated.isEmpty {
        do {
            let over = try Gzip.decompress(gzip, maxOutput: inflated.count - 1)
            expect(false, "inflated \(over.count) bytes within a bound of \(inflated.count - 1)")
        } catch {
            expect(error == .tooLarge(limit: inflated.count - 1), "one byte less is tooLarge, not \(error)")
        }
    }
    return inflated
}

private func parse(_ body: Data, limits: Limits, maxHeaderLineBytes: Int) {
    let header: PushHeader
    let entries: [Data]
    do {
        (header, entries) = try PushBody.parse(body, limits: limits, maxHeaderLineBytes: maxHeaderLineBytes, maxSeq: maxSeq)
    } catch {
        _ = "\(error)"
        return
    }
    expect(header.protocolVersion == SimpulProtocol.version, "the protocol version is checked")
    expect(1 <= header.fromSeq && header.fromSeq <= header.toSeq && header.toSeq <= maxSeq, "the seq range is bounded")
    expect(entries.count <= limits.maxEntries, "\(entries.count) entries over the limit \(limits.maxEntries)")
    expect(entries.allSatisfy { $0.count <= limits.maxEntryBytes && !$0.contains(0x0a) }, "every entry is one line within the limit")
    _ = header.signedMessage
    // PushIngest.ingest, in its order, up to where it needs the store.
    guard header.toSeq - header.fromSeq + 1 == Int64(entries.count), !entries.isEmpty else { return }
    guard let prevHash = Hex.decode(header.prevHash), prevHash.count == 32, Hex.encode(prevHash) == header.prevHash,
          let lastHash = Hex.decode(header.lastHash), lastHash.count == 32, Hex.encode(lastHash) == header.lastHash
    else { return }
    var verifier = ChainVerifier(node: header.node, after: header.fromSeq - 1, hash: prevHash)
    for (offset, bytes) in entries.enumerated() {
        // ParallelDecoder: decoded without a seq, then checked against the rules.
        guard let content = try? LogEntry(seq: 0, bytes: bytes).decode() else { return }
        _ = try? shippedRules.check(content.event)
        do { try verifier.link(LogEntry(seq: header.fromSeq + Int64(offset), bytes: bytes), content: content) } catch { return }
    }
    _ = verifier.hash == lastHash
}
