import Foundation
import SimpulCore

/// One simulated node of `simpul-bench load`: its id, its key and a backlog of events recorded exactly as `simpul record`
/// records them (the event built and checked by `EventBuilder`, its canonical JSON wrapped in a log entry with a hybrid
/// logical clock stamp and the rules version, the entries hash-chained). Built before the clock starts; what remains
/// for the load is what a node does at sync time: sign a header over a range and gzip the body.
struct LoadNode: Sendable {
    let index: Int
    let id: String
    let key: SigningKey
    let entries: [LogEntry]
    /// `hashes[seq]`; `hashes[0]` is the genesis hash.
    let hashes: [Data]
    /// What the aggregator's entries table keeps beside each entry's bytes, for the baseline's rows (`events[seq - 1]`).
    let events: [Event]

    /// The day the backlogs' events happened on (WIB office hours), as offices catching up after an outage.
    static let day = "2026-11-30"
    /// The hybrid logical clock of entry 1 (2026-11-30 01:00 UTC); each later entry a second on.
    static let firstStampMillis: Int64 = 1_796_000_400_000

    /// Records `count` events for node `index` of `identity`.
    static func build(index: Int, events count: Int, identity: LoadIdentity, builder: EventBuilder, rulesVersion: String) throws -> LoadNode {
        let id = identity.nodeID(index)
        let kecamatan = identity.kecamatan(of: index)
        var generator = EventGenerator(kecamatan: kecamatan, desa: identity.desaByKecamatan[kecamatan] ?? [],
                                       seed: identity.generatorSeed(index))
        let inputs = generator.day(day, count: count).prefix(count)
        var entries = [LogEntry]()
        var hashes = [ChainHash.genesis]
        var events = [Event]()
        entries.reserveCapacity(count)
        hashes.reserveCapacity(count + 1)
        events.reserveCapacity(count)
        let recordedAt = Date(timeIntervalSince1970: Double(firstStampMillis) / 1000)
        for (offset, input) in inputs.enumerated() {
            let seq = Int64(offset + 1)
            let event: Event
            do {
                event = try builder.build(object: input, now: recordedAt)
            } catch {
                throw BenchError("node \(id): generated event \(seq) is refused by the rules: \(error)")
            }
            let stamp = HLCTimestamp(millis: firstStampMillis + 1000 * seq, logical: 0)
            let bytes = LogEntry.encode(seq: seq, node: id, hlc: stamp, eventJSON: try event.canonicalJSON(), rules: rulesVersion)
            entries.append(LogEntry(seq: seq, bytes: bytes))
            hashes.append(ChainHash.next(previous: hashes[hashes.count - 1], entry: bytes))
            events.append(event)
        }
        return LoadNode(index: index, id: id, key: try identity.signingKey(index), entries: entries, hashes: hashes, events: events)
    }

    /// The backlog's ranges, in order, `size` entries each (the last may be shorter).
    func batches(of size: Int) -> [ClosedRange<Int64>] {
        stride(from: 1, through: entries.count, by: size).map { Int64($0)...Int64(min($0 + size - 1, entries.count)) }
    }

    /// The gzipped push body for `range`, its header signed now with the node's clock, as the node's sync engine sends it.
    func pushBody(_ range: ClosedRange<Int64>, gzipLevel: Int32) throws -> Data {
        var header = PushHeader(node: id, fromSeq: range.lowerBound, toSeq: range.upperBound,
                                prevHash: Hex.encode(hashes[Int(range.lowerBound - 1)]),
                                lastHash: Hex.encode(hashes[Int(range.upperBound)]), clock: RFC3339.format(Date()))
        header.sign(with: key)
        let plain = try header.body(entries: Array(entries[Int(range.lowerBound - 1)..<Int(range.upperBound)]))
        return gzipLevel > 0 ? Gzip.compress(plain, level: gzipLevel) : plain
    }
}

extension EventGenerator {
    /// A generator for a kecamatan whose desa codes the caller already has (`LoadIdentity` groups them once, instead of
    /// a scan of the whole desa list per node).
    init(kecamatan: String, desa: [String], seed: UInt64) {
        self.kecamatan = kecamatan
        self.desa = desa
        self.rng = SeededGenerator(seed: seed)
    }
}
