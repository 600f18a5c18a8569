import Foundation
import GRDB
import SimpulAggregator

/// The database one test's aggregator runs on: a SQLite file, or a new database on the PostgreSQL server
/// `SIMPUL_TEST_POSTGRES` names (an admin URL; scripts/test.sh starts a throwaway server and sets it). Raw access,
/// for damaging rows behind the storage's back, goes through GRDB or `psql`.
enum TestDatabase: Sendable {
    case sqlite(path: String)
    case postgres(url: String, admin: String, name: String)

    /// The PostgreSQL server the tests run on, if any.
    static var postgresAdminURL: String? {
        ProcessInfo.processInfo.environment["SIMPUL_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func make(in dir: String) throws -> TestDatabase {
        guard let admin = postgresAdminURL else { return .sqlite(path: dir + "/agg.db") }
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try psql(admin, "CREATE DATABASE \(name)")
        return .postgres(url: replacingDatabase(of: admin, with: name), admin: admin, name: name)
    }

    /// The URL of another database on the same server.
    static func replacingDatabase(of url: String, with name: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + name
        return components.string!
    }

    func open() async throws -> any AggregatorStorage {
        switch self {
        case .sqlite(let path): try SQLiteStorage(path: path, create: true)
        // A generous deadline: 84 tests creating and migrating databases at once on 2 cores are slow, not down (the
        // outage test sets its own short one).
        case .postgres(let url, _, _): try await PostgresStorage(url: PostgresURL(url), poolSize: 4, operationTimeout: .seconds(60))
        }
    }

    var backend: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        }
    }

    /// The SQL function that turns a blob into upper-case hex.
    var hexFunction: String {
        switch self {
        case .sqlite: "hex"
        case .postgres: "simpul_test_hex"
        }
    }

    /// Backs the database up into `file` the way an operator would (SQLite's online backup; `pg_dump --format=custom`).
    func backup(to file: String) throws {
        switch self {
        case .sqlite(let path):
            try DatabaseQueue(path: path).backup(to: DatabaseQueue(path: file))
        case .postgres(let url, _, _):
            try Self.run("/usr/bin/pg_dump", ["--format=custom", "--file=\(file)", "--dbname=\(url)"])
        }
    }

    /// Puts a backup back while the aggregator keeps its connections (SQLite's backup API into the live file;
    /// `pg_restore --clean`).
    func restore(from file: String) throws {
        switch self {
        case .sqlite(let path):
            try DatabaseQueue(path: file).backup(to: DatabaseQueue(path: path))
        case .postgres(let url, _, _):
            try Self.run("/usr/bin/pg_restore", ["--clean", "--if-exists", "--single-transaction", "--dbname=\(url)", file])
        }
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PostgresTestError(message: "\(tool) \(arguments) exited \(process.terminationStatus)") }
    }

    /// A blob as an SQL literal of this backend.
    func blobLiteral(_ data: Data) -> String {
        let hex = data.map { String(format: "%02x", $0) }.joined()
        switch self {
        case .sqlite: return "X'\(hex)'"
        case .postgres: return "'\\x\(hex)'::bytea"
        }
    }

    func drop() {
        guard case .postgres(_, let admin, let name) = self else { return }
        _ = try? Self.psql(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    func execute(_ sql: String) throws -> Int {
        switch self {
        case .sqlite(let path):
            return try DatabaseQueue(path: path).write { db in
                try db.execute(sql: sql)
                return db.changesCount
            }
        case .postgres(let url, _, _):
            // psql prints the command tag ("UPDATE 1") last.
            let out = try Self.psql(url, sql, tuplesOnly: false)
            return Int(out.split(separator: "\n").last?.split(separator: " ").last ?? "") ?? 0
        }
    }

    func rows(_ sql: String) throws -> [[String?]] {
        switch self {
        case .sqlite(let path):
            return try DatabaseQueue(path: path).read { db in
                try Row.fetchAll(db, sql: sql).map { row in row.databaseValues.map { $0.isNull ? nil : String(describing: $0.storage.value!) } }
            }
        case .postgres(let url, _, _):
            let hexFunction = "CREATE OR REPLACE FUNCTION pg_temp.simpul_test_hex(b bytea) RETURNS text AS $$ SELECT upper(encode(b, 'hex')) $$ LANGUAGE sql;"
            let out = try Self.psql(url, hexFunction + sql.replacingOccurrences(of: "simpul_test_hex(", with: "pg_temp.simpul_test_hex("))
            return out.split(separator: "\n", omittingEmptySubsequences: true).filter { $0 != "CREATE FUNCTION" }.map { line in
                line.split(separator: "\u{1f}", omittingEmptySubsequences: false).map { $0 == "\u{1}NULL" ? nil : String($0) }
            }
        }
    }

    @discardableResult
    static func psql(_ url: String, _ sql: String, tuplesOnly: Bool = true) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        // Quiet (no command tags) for rows; `execute` reads the tag ("UPDATE 1").
        process.arguments = ["-X", "-v", "ON_ERROR_STOP=1", "-F", "\u{1f}", "-P", "null=\u{1}NULL", "-A"]
            + (tuplesOnly ? ["-q", "-t"] : []) + ["-d", url, "-c", sql]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        try? out.fileHandleForWriting.close()
        try? err.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PostgresTestError(message: "psql failed (\(process.terminationStatus)) on \(sql.prefix(200)): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct PostgresTestError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
