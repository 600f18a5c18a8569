import Foundation

/// The baseline `simpul-bench load` reports its throughput against: the rows the load made the aggregator store (the
/// entries table's shape: node, seq, bytes, hash, event_id, kind, service, case_id, desa, occurred_at, unique by
/// (node, seq) and by event_id), written straight into the same kind of database by the harness, in the batches the
/// nodes pushed, one transaction each, with no HTTP, no checks and no signatures.
///
/// `sqlite:PATH`: a new SQLite file (WAL, synchronous=FULL, as the aggregator), one writer, as SQLite allows.
/// `postgres://USER@HOST:PORT/DB`: a scratch schema in that database (dropped afterwards), one multi-row
/// `INSERT ... SELECT ... FROM unnest(...)` per batch, from as many concurrent writers as connections.
enum LoadBaseline: Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    init(_ text: String) throws {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw BenchError("--baseline sqlite:PATH needs a path (a new file)") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            throw BenchError("--baseline '\(text)' must be sqlite:PATH or postgres://USER@HOST:PORT/DB")
        }
    }

    var description: String {
        switch self {
        case .sqlite(let path): "SQLite \(path)"
        case .postgres(let url): "PostgreSQL \((try? PostgresBaseline.redact(url)) ?? "(an unusable URL)")"
        }
    }

    /// One batch of one node's entries, as a push carried it.
    struct Job: Sendable {
        var node: LoadNode
        var range: ClosedRange<Int64>
    }

    /// The load's batches in the order a busy aggregator might see them: every node's first batch, then every
    /// node's second, and so on.
    static func jobs(nodes: [LoadNode], batch: Int) -> [Job] {
        let batches = nodes.map { $0.batches(of: batch) }
        let rounds = batches.map(\.count).max() ?? 0
        var jobs = [Job]()
        for round in 0..<rounds {
            for (node, ranges) in zip(nodes, batches) where round < ranges.count {
                jobs.append(Job(node: node, range: ranges[round]))
            }
        }
        return jobs
    }

    /// What the baseline measured: the median run, and every run's rate.
    struct Result: Sendable, Codable {
        var database: String
        var rows: Int
        var transactions: Int
        var connections: Int
        var seconds: Double
        var rowsPerSecond: Double
        var runsRowsPerSecond: [Double] = []
    }

    /// Writes every job's rows `runs` times, each into a new file or schema, and answers the median run (the upper
    /// middle one for an even count): on this machine's shared disk one run's rate swings by a factor of three.
    func run(_ jobs: [Job], connections: Int, runs: Int) async throws -> Result {
        var results = [Result]()
        for index in 0..<max(runs, 1) {
            results.append(try await once(jobs, connections: connections, index: index))
        }
        var median = results.sorted { $0.rowsPerSecond < $1.rowsPerSecond }[results.count / 2]
        median.runsRowsPerSecond = results.map(\.rowsPerSecond)
        return median
    }

    /// Writes every job's rows once and times it (the table's creation and removal not counted).
    private func once(_ jobs: [Job], connections: Int, index: Int) async throws -> Result {
        let rows = jobs.reduce(0) { $0 + $1.range.count }
        let seconds: Double
        var used = 1
        switch self {
        case .sqlite(let path):
            seconds = try SQLiteBaseline.run(path: index == 0 ? path : path + ".\(index)", jobs: jobs)
        case .postgres(let url):
            used = connections
            seconds = try await PostgresBaseline.run(url: url, jobs: jobs, connections: connections)
        }
        return Result(database: description, rows: rows, transactions: jobs.count, connections: used, seconds: seconds,
                      rowsPerSecond: seconds > 0 ? Double(rows) / seconds : 0)
    }
}
