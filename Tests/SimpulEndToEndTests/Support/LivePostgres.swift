import Foundation

/// A live cluster's own database on the PostgreSQL server `SIMPUL_TEST_POSTGRES` names (an admin URL; Tests/postgres/run.sh
/// starts a throwaway server and sets it), reached with the PostgreSQL client programs, as an operator would.
struct LivePostgres: Sendable {
    let admin: String
    let name: String
    let url: String

    /// A new database, or nil when the suite runs on SQLite.
    static func make() throws -> LivePostgres? {
        guard let admin = ProcessInfo.processInfo.environment["SIMPUL_TEST_POSTGRES"], !admin.isEmpty else { return nil }
        let name = "live_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try run("/usr/bin/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", admin, "-c", "CREATE DATABASE \(name)"])
        var components = URLComponents(string: admin)!
        components.path = "/" + name
        return LivePostgres(admin: admin, name: name, url: components.string!)
    }

    /// One row of a query, its cells separated by `|`.
    func query(_ sql: String) throws -> String {
        try Self.run("/usr/bin/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
    }

    func dump(to file: String) throws {
        try Self.run("/usr/bin/pg_dump", ["--format=custom", "--file=\(file)", "--dbname=\(url)"])
    }

    func restore(from file: String) throws {
        try Self.run("/usr/bin/pg_restore", ["--clean", "--if-exists", "--single-transaction", "--dbname=\(url)", file])
    }

    func drop() {
        _ = try? Self.run("/usr/bin/psql", ["-X", "-q", "-d", admin, "-c", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
    }

    /// Runs a client program; its output through a file (a pipe's write end could outlive it in a server it starts).
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("simpul-pg-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: out, contents: nil) else { throw LiveError("cannot create \(out)") }
        defer { try? FileManager.default.removeItem(atPath: out) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else { throw LiveError("\(tool) \(arguments.last ?? "") exited \(process.terminationStatus): \(text)") }
        return text
    }
}
