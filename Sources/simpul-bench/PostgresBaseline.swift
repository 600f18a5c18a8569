import Foundation
import Logging
import PostgresNIO
import SimpulAggregator
import Synchronization

/// The load's PostgreSQL baseline: a scratch schema (`simpul_load_baseline_PID`) in the database of the URL with an
/// entries table of the aggregator's shape; each pushed batch becomes one statement whose rows travel as arrays and
/// are unnested server-side; `connections` writers take the batches in turn, each on its own connection. The schema
/// is dropped afterwards.
enum PostgresBaseline {
    /// The URL without its password, for the report.
    static func redact(_ url: String) throws -> String {
        do { return try PostgresURL(url).redacted } catch { throw BenchError(error.description) }
    }

    /// Seconds to write every job's rows.
    static func run(url text: String, jobs: [LoadBaseline.Job], connections: Int) async throws -> Double {
        let url: PostgresURL
        do { url = try PostgresURL(text) } catch { throw BenchError("--baseline: \(error.message)") }
        let tls: PostgresClient.Configuration.TLS = switch url.tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
        configuration.options.maximumConnections = connections
        configuration.options.minimumConnections = connections
        var logger = Logger(label: "simpul-bench.baseline")
        logger.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        defer { runner.cancel() }

        let schema = "simpul_load_baseline_\(getpid())"
        do {
            try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
            try await client.query(PostgresQuery(unsafeSQL: """
                CREATE TABLE \(schema).entries (
                    node TEXT NOT NULL, seq BIGINT NOT NULL, bytes BYTEA NOT NULL, hash BYTEA NOT NULL,
                    event_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, service TEXT NOT NULL, case_id TEXT NOT NULL,
                    desa TEXT, occurred_at TEXT NOT NULL, PRIMARY KEY (node, seq)
                )
                """))
        } catch {
            throw BenchError("baseline: cannot create \(schema).entries in \(url.redacted): \(describe(error))")
        }
        do {
            let seconds = try await write(jobs, table: "\(schema).entries", client: client, writers: connections)
            _ = try? await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
            return seconds
        } catch {
            _ = try? await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
            throw BenchError("baseline: writing into \(schema).entries in \(url.redacted): \(describe(error))")
        }
    }

    /// The next job to write, shared by the writers.
    private final class Cursor: Sendable {
        private let next = Atomic<Int>(0)
        func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
    }

    private static func write(_ jobs: [LoadBaseline.Job], table: String, client: PostgresClient, writers: Int) async throws -> Double {
        // Every connection open before the clock starts, as the aggregator's pool is by the time the load peaks.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<writers { group.addTask { try await client.query("SELECT 1") } }
            try await group.waitForAll()
        }
        let cursor = Cursor()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    while true {
                        let index = cursor.take()
                        guard index < jobs.count else { return }
                        try await insert(jobs[index], table: table, client: client)
                    }
                }
            }
            try await group.waitForAll()
        }
        return start.duration(to: .now).inSeconds
    }

    private static func insert(_ job: LoadBaseline.Job, table: String, client: PostgresClient) async throws {
        let node = job.node
        let low = Int(job.range.lowerBound - 1), high = Int(job.range.upperBound)
        let events = node.events[low..<high]
        let nodes = [String](repeating: node.id, count: high - low)
        let seqs = Array(job.range)
        let bytes = node.entries[low..<high].map { ByteBuffer(bytes: $0.bytes) }
        let hashes = node.hashes[(low + 1)...high].map { ByteBuffer(bytes: $0) }
        try await client.query("""
            INSERT INTO \(unescaped: table) (node, seq, bytes, hash, event_id, kind, service, case_id, desa, occurred_at)
            SELECT node, seq, bytes, hash, event_id, kind, service, case_id, NULLIF(desa, ''), occurred_at
            FROM unnest(\(nodes), \(seqs), \(bytes), \(hashes), \(events.map(\.id)), \(events.map(\.kind.rawValue)),
                        \(events.map(\.service)), \(events.map(\.caseID)), \(events.map { $0.desa ?? "" }), \(events.map(\.occurredAt)))
                AS r(node, seq, bytes, hash, event_id, kind, service, case_id, desa, occurred_at)
            """)
    }

    /// The server's message and SQLSTATE where there is one.
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError, let message = psql.serverInfo?[.message] {
            return message + (psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        return "\(error)"
    }
}
