import ArgumentParser
import Foundation
import GRDBSQLite
import Logging
import SimpulCore
import SimpulNode

struct SyncBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Catch-up of a backlog to a fresh aggregator on loopback vs inserting the same rows straight into SQLite.")
    @Option(help: "Backlog size.") var events = 100_000
    @Option(help: "Entries per push (the node's sync.batch_max_entries).") var batch = 1000
    @Option(help: "Runs (the median is reported).") var runs = 3

    func run() async throws {
        var generator = try EventGenerator(kecamatan: "35.07.01", seed: 42)
        let input = ndjson(generator.day("2026-11-30", count: events))
        let aggregatorBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/simpul-aggregator"
        guard FileManager.default.isExecutableFile(atPath: aggregatorBinary) else {
            throw BenchError("\(aggregatorBinary) not found: build it first (swift build -c release)")
        }
        var simpul = [Double]()
        var baseline = [Double]()
        var leanBaseline = [Double]()
        var wirePerEvent = 0.0
        var jsonPerEvent = 0.0
        var count = 0
        for run in 1...runs {
            let dir = try temporaryDirectory("sync")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let port = try freePort()
            let aggregator = try LocalAggregator(binary: aggregatorBinary, dir: dir + "/agg", port: port)
            defer { aggregator.stop() }
            var context = try makeNode(in: dir, aggregator: "http://127.0.0.1:\(port)")
            var config = context.config
            config.sync.batchMaxEntries = batch
            config.sync.batchMaxBytes = 8 << 20
            context = try NodeContext.open(config: config)
            _ = try Recorder(context: context).importNDJSON(input)
            let keys = try NodeKeys.load(config)
            try aggregator.enrol(node: config.nodeID, publicKey: keys.signing.publicKey.base64)
            try await aggregator.waitReady()
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let engine = SyncEngine(context: context, signingKey: keys.signing, transport: CurlTransport(), logger: logger)
            var report = SyncReport(status: "")
            let seconds = try await timedAsync { report = try await engine.syncOnce() }
            count = Int(report.headSeq)
            guard report.ackedSeq == report.headSeq, report.pushed == count else {
                throw BenchError("sync did not complete: \(report)")
            }
            simpul.append(seconds)
            let entries = try context.store.entries(after: 0, maxCount: count, maxBytes: Int.max)
            var jsonBytes = 0
            for e in entries { jsonBytes += try e.entry.decode().event.canonicalJSON().count }
            jsonPerEvent = Double(jsonBytes) / Double(count)
            wirePerEvent = Double(report.bytesSent) / Double(count)
            // Baselines: the same rows the aggregator stores, straight into SQLite in transactions of the same batch
            // size. The first uses the aggregator's own table (its two UNIQUE constraints, log position and event id,
            // and the case index the feed and the case fold read); the second only UNIQUE(node, seq) and the case
            // index, a stricter yardstick kept for comparison. Neither writes the feed's rows: routing is the
            // protocol's work, measured in the end-to-end figure.
            let rows: [[[PlainSQLite.Value]]] = try entries.map { e in
                let event = try e.entry.decode().event
                return [[.text("35.07.01"), .int(e.entry.seq), .blob(e.entry.bytes), .blob(e.hash), .text(event.id), .text(event.kind.rawValue),
                         .text(event.service), .text(event.caseID), event.desa.map { .text($0) } ?? .null, .text(event.occurredAt),
                         .text(event.caseNode ?? "35.07.01"), event.provider.map { .text($0) } ?? .null]]
            }
            for (index, eventIDUnique) in [true, false].enumerated() {
                let plain = try PlainSQLite(path: dir + "/plain-\(index).db")
                try plain.exec("""
                    CREATE TABLE entries (node TEXT NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL, hash BLOB NOT NULL,
                      event_id TEXT NOT NULL\(eventIDUnique ? " UNIQUE" : ""), kind TEXT NOT NULL, service TEXT NOT NULL,
                      case_id TEXT NOT NULL, desa TEXT, occurred_at TEXT NOT NULL, case_node TEXT, provider TEXT, UNIQUE (node, seq));
                    CREATE INDEX entries_case ON entries(case_node, case_id);
                    """)
                let seconds = try timed {
                    try plain.insert(statements: ["INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"], rows: rows, perTransaction: batch)
                }
                plain.close()
                if eventIDUnique { baseline.append(seconds) } else { leanBaseline.append(seconds) }
            }
            print("run \(run): catch-up \(Int(Double(count) / seconds)) events/s, plain SQLite \(Int(Double(count) / baseline[run - 1])) rows/s "
                  + "(\(Int(Double(count) / leanBaseline[run - 1])) without the event-id index)")
        }
        let rate = Double(count) / median(simpul)
        let baseRate = Double(count) / median(baseline)
        let leanRate = Double(count) / median(leanBaseline)
        print("""
            sync benchmark: catch-up of \(count) events, one node -> fresh aggregator on loopback, \(batch) entries per push (median of \(runs))
              end to end (libcurl, gzip, verify, store): \(Int(rate)) events/s (\(String(format: "%.2f", median(simpul))) s)
              plain SQLite baseline (same rows, table)  : \(Int(baseRate)) rows/s (\(String(format: "%.2f", median(baseline))) s)
              ratio                                     : \(String(format: "%.2f", rate / baseRate))x (target >= 0.35x)
              without the event-id index (stricter)     : \(Int(leanRate)) rows/s, ratio \(String(format: "%.2f", rate / leanRate))x
              wire bytes per event                      : \(String(format: "%.1f", wirePerEvent)) (average event JSON \(String(format: "%.1f", jsonPerEvent)) bytes: \(String(format: "%.0f", 100 * wirePerEvent / jsonPerEvent))%, target <= 40%)
            """)
    }
}

/// A real `simpul-aggregator` process on loopback, for the benchmark.
final class LocalAggregator {
    let binary: String
    let dir: String
    let port: Int
    let process = Process()

    init(binary: String, dir: String, port: Int) throws {
        self.binary = binary
        self.dir = dir
        self.port = port
        try run(["init", "--data-dir", dir, "--listen", "127.0.0.1:\(port)", "--config", dir + "/agg.toml"])
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--config", dir + "/agg.toml", "--log-level", "error"]
        try process.run()
    }

    func run(_ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError("simpul-aggregator \(arguments.joined(separator: " ")) failed") }
    }

    func enrol(node: String, publicKey: String) throws {
        try run(["nodes", "add", node, "--public-key", publicKey, "--config", dir + "/agg.toml"])
    }

    func waitReady() async throws {
        for _ in 0..<100 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            close(fd)
            if rc == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("aggregator did not start on port \(port)")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
