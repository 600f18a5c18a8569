import ArgumentParser
import Foundation
import GRDBSQLite
import Logging
import SimpulCore
import SimpulNode

/// `simpul-bench`: benchmark programs (not tests). Each reports its figure next to a baseline measured
/// in the same run on the same machine, as a ratio. Run in release: `swift run -c release simpul-bench ...`.
@main
struct SimpulBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simpul-bench", abstract: "Simpul benchmarks and test-data generation.",
        subcommands: [Generate.self, RecordBench.self, SyncBench.self, FeedBench.self, PhaseProfile.self, IngestProfile.self, LoadBench.self])
}

/// `generate`: realistic NDJSON events for one kecamatan's day (used by the demo and the benchmarks).
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Print a realistic day of events as NDJSON.")
    @Option(help: "Kecamatan code.") var kecamatan = "35.07.01"
    @Option(help: "About this many events.") var events = 120
    @Option(help: "The day (YYYY-MM-DD).") var day = "2026-11-30"
    @Option(help: "Random seed.") var seed: UInt64 = 7

    func run() throws {
        var generator = try EventGenerator(kecamatan: kecamatan, seed: seed)
        FileHandle.standardOutput.write(ndjson(generator.day(day, count: events)))
    }
}

/// Median of several timed runs, in seconds.
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func seconds(_ d: Duration) -> Double { d.inSeconds }

func timed(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    return seconds(start.duration(to: .now))
}

func timedAsync(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    return seconds(start.duration(to: .now))
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it, close).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw BenchError("cannot find a free port on 127.0.0.1") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func temporaryDirectory(_ name: String) throws -> String {
    let path = NSTemporaryDirectory() + "simpul-bench-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A fresh node in a temporary directory.
func makeNode(in dir: String, aggregator: String = "http://127.0.0.1:9", id: String = "35.07.01") throws -> NodeContext {
    let config = NodeConfig(nodeID: id, aggregatorURL: aggregator, dataDir: dir + "/node")
    _ = try NodeSetup.initialize(config: config, configPath: dir + "/node.toml", pseudonymKeySource: nil)
    return try NodeContext.open(config: config)
}

struct RecordBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Bulk import (simpul record --file) vs plain SQLite writing the same rows, same transaction, synchronous=FULL.")
    @Option(help: "Events per run.") var events = 100_000
    @Option(help: "Runs (the median is reported).") var runs = 3

    func run() throws {
        var generator = try EventGenerator(kecamatan: "35.07.01", seed: 42)
        let input = ndjson(generator.day("2026-11-30", count: events))
        let count = input.split(separator: 0x0a).count
        var simpul = [Double]()
        var baseline = [Double]()
        for run in 1...runs {
            let dir = try temporaryDirectory("record")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let context = try makeNode(in: dir)
            let recorder = try Recorder(context: context)
            let seconds = try timed { _ = try recorder.importNDJSON(input) }
            simpul.append(seconds)
            // The baseline writes exactly the rows Simpul wrote (read back), with nothing else to do.
            let rows = try readNodeRows(context)
            let plain = try PlainSQLite(path: dir + "/plain.db")
            try plain.exec("""
                CREATE TABLE log (seq INTEGER PRIMARY KEY, hlc INTEGER NOT NULL, bytes BLOB NOT NULL, hash BLOB NOT NULL);
                CREATE TABLE events (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, kind TEXT NOT NULL, case_id TEXT NOT NULL,
                  service TEXT NOT NULL, desa TEXT, occurred_at TEXT NOT NULL, subject TEXT);
                CREATE INDEX events_case ON events(case_id);
                """)
            let base = try timed {
                try plain.insert(
                    statements: ["INSERT INTO log VALUES (?, ?, ?, ?)", "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)"],
                    rows: rows, perTransaction: rows.count)
            }
            plain.close()
            baseline.append(base)
            print("run \(run): simpul \(Int(Double(count) / seconds)) events/s, plain SQLite \(Int(Double(count) / base)) events/s")
        }
        let simpulRate = Double(count) / median(simpul)
        let baseRate = Double(count) / median(baseline)
        print("""
            record benchmark: \(count) events from NDJSON, one transaction, WAL, synchronous=FULL (median of \(runs))
              simpul record --file : \(Int(simpulRate)) events/s (\(String(format: "%.2f", median(simpul))) s)
              plain SQLite baseline: \(Int(baseRate)) events/s (\(String(format: "%.2f", median(baseline))) s)
              ratio                : \(String(format: "%.2f", simpulRate / baseRate))x (target >= 0.25x)
            """)
    }

    func readNodeRows(_ context: NodeContext) throws -> [[[PlainSQLite.Value]]] {
        var db: OpaquePointer?
        guard sqlite3_open_v2(context.config.databasePath, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let db else {
            throw BenchError("cannot open node db")
        }
        defer { sqlite3_close(db) }
        var statement: OpaquePointer?
        let sql = """
            SELECT l.seq, l.hlc, l.bytes, l.hash, e.id, e.kind, e.case_id, e.service, e.desa, e.occurred_at, e.subject
            FROM log l JOIN events e ON e.seq = l.seq ORDER BY l.seq
            """
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { throw BenchError("prepare") }
        defer { sqlite3_finalize(statement) }
        func text(_ i: Int32) -> PlainSQLite.Value {
            sqlite3_column_type(statement, i) == SQLITE_NULL ? .null : .text(String(cString: sqlite3_column_text(statement, i)))
        }
        func blob(_ i: Int32) -> Data { Data(bytes: sqlite3_column_blob(statement, i), count: Int(sqlite3_column_bytes(statement, i))) }
        var rows = [[[PlainSQLite.Value]]]()
        while sqlite3_step(statement) == SQLITE_ROW {
            let seq = sqlite3_column_int64(statement, 0)
            rows.append([
                [.int(seq), .int(sqlite3_column_int64(statement, 1)), .blob(blob(2)), .blob(blob(3))],
                [text(4), .int(seq), text(5), text(6), text(7), text(8), text(9), text(10)],
            ])
        }
        return rows
    }
}
