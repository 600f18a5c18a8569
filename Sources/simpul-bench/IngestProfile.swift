import ArgumentParser
import Foundation
import Logging
import SimpulAggregator
import SimpulCore
import SimpulNode

/// `ingest-phases`: where catch-up spends its time, without HTTP: node-side batch preparation (read, body,
/// gzip) and aggregator-side ingest (inflate, parse, verify, store), per event.
struct IngestProfile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest-phases", abstract: "Time each phase of a push, in process.")
    @Option var events = 50_000
    @Option var batch = 1000
    @Option var gzipLevel: Int32 = 6

    func run() async throws {
        var generator = try EventGenerator(kecamatan: "35.07.01", seed: 42)
        let dir = try temporaryDirectory("ingest")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let context = try makeNode(in: dir)
        _ = try Recorder(context: context).importNDJSON(ndjson(generator.day("2026-11-30", count: events)))
        let key = try NodeKeys.load(context.config).signing
        let storage = try SQLiteStorage(path: dir + "/agg.db", create: true)
        try await storage.addNodes([NodeRecord(id: "35.07.01", publicKey: key.publicKey.base64, enrolledAt: "2026-11-30T00:00:00Z")])
        let ingest = PushIngest(storage: storage, rules: EventRules(), limits: Limits(), signingKey: SigningKey())
        var read = 0.0, body = 0.0, gzip = 0.0, inflate = 0.0, parse = 0.0, store = 0.0, verify = 0.0
        var cursor: Int64 = 0
        var prev = ChainHash.genesis
        let logger = Logger(label: "bench")
        while true {
            var entries = [NodeStore.HashedEntry]()
            read += try timed { entries = try context.store.entries(after: cursor, maxCount: batch, maxBytes: Int.max) }
            guard let last = entries.last else { break }
            var plain = Data()
            body += try timed {
                var header = PushHeader(node: "35.07.01", fromSeq: entries[0].entry.seq, toSeq: last.entry.seq,
                                        prevHash: Hex.encode(prev), lastHash: Hex.encode(last.hash), clock: "2026-11-30T00:00:00Z")
                header.sign(with: key)
                plain = try header.body(entries: entries.map(\.entry))
            }
            var compressed = Data()
            gzip += timed { compressed = Gzip.compress(plain, level: gzipLevel) }
            var inflated = Data()
            inflate += try timed { inflated = try Gzip.decompress(compressed, maxOutput: 64 << 20) }
            var parsed: (PushHeader, [Data])?
            parse += try timed { parsed = try ingest.parse(body: inflated) }
            verify += try timed {
                var verifier = ChainVerifier(node: "35.07.01", after: parsed!.0.fromSeq - 1, hash: prev)
                for (i, bytes) in parsed!.1.enumerated() {
                    let content = try verifier.append(LogEntry(seq: parsed!.0.fromSeq + Int64(i), bytes: bytes))
                    try EventRules().check(content.event)
                }
            }
            store += try await timedAsync {
                _ = try await ingest.ingest(pathNode: "35.07.01", header: parsed!.0, entries: parsed!.1, now: Date(), logger: logger)
            }
            cursor = last.entry.seq
            prev = last.hash
        }
        // The storage step alone: the same rows through SQLiteStorage.commit into a fresh database.
        let fresh = try SQLiteStorage(path: dir + "/commit.db", create: true)
        try await fresh.addNodes([NodeRecord(id: "35.07.01", publicKey: key.publicKey.base64, enrolledAt: "2026-11-30T00:00:00Z")])
        let all = try context.store.entries(after: 0, maxCount: Int(cursor), maxBytes: Int.max)
        var rows = [StoredEntry]()
        for e in all {
            let event = try e.entry.decode().event
            rows.append(StoredEntry(node: "35.07.01", seq: e.entry.seq, bytes: e.entry.bytes, hash: e.hash, eventID: event.id,
                                    kind: event.kind.rawValue, service: event.service, caseID: event.caseID, desa: event.desa,
                                    occurredAt: event.occurredAt))
        }
        var commitSeconds = 0.0
        var head: Int64 = 0
        for start in stride(from: 0, to: rows.count, by: batch) {
            let slice = Array(rows[start..<min(start + batch, rows.count)])
            var outcome = CommitOutcome.headMoved
            commitSeconds += try await timedAsync {
                outcome = try await fresh.commit(IngestCommit(
                    node: "35.07.01", expectedHeadSeq: head, entries: slice, newHeadSeq: slice.last!.seq, newHeadHash: slice.last!.hash,
                    batch: StoredBatch(node: "35.07.01", fromSeq: slice[0].seq, toSeq: slice.last!.seq, prevHash: "", lastHash: "",
                                       signature: "", receivedAt: "", clock: "")))
            }
            guard outcome == .committed else { throw BenchError("commit: \(outcome)") }
            head = slice.last!.seq
        }
        let n = Double(cursor)
        print("agg: commit alone     \(String(format: "%6.1f", commitSeconds / n * 1e6)) us/event")
        for (name, s) in [("node: read log", read), ("node: build body", body), ("node: gzip", gzip), ("agg: inflate", inflate),
                          ("agg: split lines", parse), ("agg: verify+rules", verify), ("agg: ingest total", store)] {
            print("\(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%6.1f", s / n * 1e6)) us/event")
        }
    }
}
