import Foundation
import Synchronization
import GRDB
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A live cluster for the sync end-to-end tests: the real `simpul-aggregator serve` on 127.0.0.1 with its
// SQLite file, real `simpul` nodes in temporary directories, real libcurl in between. Every process it
// starts is tracked by PID and killed (SIGKILL, by PID) in `shutdown()`, which `LiveCluster.run` always calls.

/// A failure of the harness itself (a binary missing, a server that never became ready, a timeout).
struct LiveError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The outcome of one finished process.
struct LiveResult {
    var command: String
    var status: Int32
    /// Ended by a signal (e.g. our SIGKILL) rather than by exiting.
    var signalled: Bool
    /// Still running at the deadline of `finish(within:)`, so killed by the harness.
    var timedOut: Bool
    var stdout: Data
    var stderr: String
    var elapsed: Duration

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var seconds: Double { Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18 }
    var summary: String {
        "`\(command)` " + (timedOut ? "timed out" : signalled ? "killed by signal \(status)" : "exited \(status)")
            + " after \(String(format: "%.2f", seconds)) s; stderr: \(stderr.isEmpty ? "(empty)" : stderr)"
    }
}

/// One child process with stdout and stderr in files (no pipes to fill up).
final class LiveProcess {
    let process = Process()
    let command: String
    let stdoutPath: String
    let stderrPath: String
    let started = ContinuousClock.now
    private(set) var result: LiveResult?

    init(executable: String, arguments: [String], environment: [String: String], directory: String, logs: String, tag: String) throws {
        command = ((executable as NSString).lastPathComponent + " " + arguments.joined(separator: " "))
        stdoutPath = logs + "/\(tag).stdout"
        stderrPath = logs + "/\(tag).stderr"
        for path in [stdoutPath, stderrPath] {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw LiveError("cannot create \(path)") }
        }
        guard let out = FileHandle(forWritingAtPath: stdoutPath), let err = FileHandle(forWritingAtPath: stderrPath) else {
            throw LiveError("cannot open the output files in \(logs)")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // The child holds its own copies now; don't keep two descriptors per process open in the test runner.
        try? out.close()
        try? err.close()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { result == nil && process.isRunning }

    /// Sends a signal to this process only (by PID), if it is still running.
    func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// What the process has written to stderr so far.
    func stderrSoFar() -> String {
        String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self)
    }

    /// Waits for the exit without blocking the runner's threads; past `within`, SIGKILLs it and says so.
    @discardableResult
    func finish(within limit: Duration = .seconds(60)) async -> LiveResult {
        if let result { return result }
        let deadline = started + limit
        var timedOut = false
        while process.isRunning {
            if ContinuousClock.now > deadline {
                timedOut = true
                kill(pid, SIGKILL)
                break
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        process.waitUntilExit()
        let result = LiveResult(
            command: command, status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
            timedOut: timedOut, stdout: FileManager.default.contents(atPath: stdoutPath) ?? Data(),
            stderr: stderrSoFar(), elapsed: ContinuousClock.now - started)
        self.result = result
        return result
    }

    /// For cleanup paths that cannot await: SIGKILL and reap.
    func killNow() {
        guard result == nil, process.isRunning else { return }
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }
}

/// `simpul sync now --json`, decoded (the fields the tests look at).
struct LiveSyncReport: Decodable {
    var status: String
    var pushed: Int
    var pulled: Int?
    var adopted: Int?
    var batches: Int?
    var headSeq: Int64
    var ackedSeq: Int64
    var backlog: Int64?
    var resentFrom: Int64?
    var error: String?
    var hint: String?
    var errorCode: String?

    enum CodingKeys: String, CodingKey {
        case status, pushed, pulled, adopted, batches, backlog, error, hint
        case headSeq = "head_seq"
        case ackedSeq = "acked_seq"
        case resentFrom = "resent_from"
        case errorCode = "error_code"
    }
}

/// One `sync now` run: the process result and, when it printed one, its JSON report.
struct LiveSync {
    var result: LiveResult
    var report: LiveSyncReport?
    var status: Int32 { result.status }
}

/// One log entry of a node, straight from `node.db`.
struct LiveEntry: Sendable {
    var seq: Int64
    var bytes: Data
}

final class LiveCluster {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `.build/debug/<name>`, or a failure saying how to build it (these tests never skip silently).
    static func binary(_ name: String) throws -> String {
        let path = packageRoot.appendingPathComponent(".build/debug/\(name)").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw LiveError("\(path) is missing: run `swift build --build-tests` in \(packageRoot.path) first")
        }
        return path
    }

    /// The runner's environment without SIMPUL_* settings or proxies (libcurl honours http_proxy), in the English
    /// locale the tests' expected texts are written in.
    static let baseEnvironment: [String: String] = {
        var env = CLI.englishLocale(ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("SIMPUL_") && !key.lowercased().hasSuffix("_proxy") && key != "RUNTIME_DIRECTORY"
        })
        env["NO_PROXY"] = "127.0.0.1,localhost"
        env["no_proxy"] = "127.0.0.1,localhost"
        return env
    }()

    /// Pushes in batches of 50 so that a push of a few thousand entries takes dozens of requests.
    static let smallBatches = ["SIMPUL_SYNC_BATCH_MAX_ENTRIES": "50"]

    let dir: String
    let logs: String
    let port: UInt16
    var url: String { "http://127.0.0.1:\(port)" }
    var aggregatorDir: String { dir + "/aggregator" }
    var aggregatorConfig: String { aggregatorDir + "/agg.toml" }
    var aggregatorDatabase: String { aggregatorDir + "/aggregator.db" }
    /// The cluster's own PostgreSQL database when the suite runs on PostgreSQL (`SIMPUL_TEST_POSTGRES`), else nil.
    let postgres: LivePostgres?

    private(set) var server: LiveProcess?
    private var processes: [LiveProcess] = []
    private var spawned = 0
    private var shutDown = false

    /// Creates a cluster (initialised aggregator, not yet serving), runs `body`, and always shuts it down.
    static func run<T>(serve: Bool = true, _ body: (LiveCluster) async throws -> T) async throws -> T {
        let cluster = try await LiveCluster()
        do {
            if serve { try await cluster.startAggregator() }
            let value = try await body(cluster)
            cluster.shutdown()
            return value
        } catch {
            cluster.shutdown()
            throw error
        }
    }

    private init() async throws {
        _ = try Self.binary("simpul")
        _ = try Self.binary("simpul-aggregator")
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("simpul-live-\(UUID().uuidString.prefix(8))").path
        logs = dir + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        port = try Self.freePort()
        postgres = try LivePostgres.make()
        let initResult = try await runAdmin(["init", "--data-dir", aggregatorDir, "--listen", "127.0.0.1:\(port)"]
            + (postgres.map { ["--database", $0.url] } ?? []))
        guard initResult.status == 0 else { throw LiveError("aggregator init failed: \(initResult.summary)") }
    }

    deinit { shutdown() }

    /// Kills (SIGKILL, by PID) every process this cluster started that still runs, and removes its directory
    /// (kept when SIMPUL_E2E_KEEP is set in the runner's environment, for a post-mortem).
    func shutdown() {
        guard !shutDown else { return }
        shutDown = true
        for process in processes { process.killNow() }
        processes.removeAll()
        postgres?.drop()
        if ProcessInfo.processInfo.environment["SIMPUL_E2E_KEEP"] == nil {
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    // MARK: processes

    func spawn(_ binary: String, _ arguments: [String], environment extra: [String: String] = [:], in directory: String? = nil) throws -> LiveProcess {
        spawned += 1
        let child = try LiveProcess(
            executable: try Self.binary(binary), arguments: arguments, environment: Self.baseEnvironment.merging(extra) { $1 },
            directory: directory ?? dir, logs: logs, tag: String(format: "%04d-", spawned) + (arguments.prefix(2).joined(separator: "-")))
        processes.removeAll { $0.result != nil }
        processes.append(child)
        return child
    }

    /// Starts a program that is not one of ours (the link emulator), stopped with the cluster like the others.
    func spawnTool(_ executable: String, _ arguments: [String]) throws -> LiveProcess {
        spawned += 1
        let child = try LiveProcess(
            executable: executable, arguments: arguments, environment: Self.baseEnvironment, directory: dir, logs: logs,
            tag: String(format: "%04d-", spawned) + (executable as NSString).lastPathComponent)
        processes.removeAll { $0.result != nil }
        processes.append(child)
        return child
    }

    func runAdmin(_ arguments: [String], within limit: Duration = .seconds(60)) async throws -> LiveResult {
        try await spawn("simpul-aggregator", arguments + ["--config", aggregatorConfig]).finish(within: limit)
    }

    // MARK: the aggregator

    /// Starts `serve` on the cluster's port and database; returns once GET /healthz answers 200 and the
    /// "serve listening" line is logged. Throws (with the server's stderr) if it exits or is not ready in 20 s.
    func startAggregator() async throws {
        if let server, server.isRunning { throw LiveError("the aggregator is already running (pid \(server.pid))") }
        let child = try spawn("simpul-aggregator", ["serve", "--config", aggregatorConfig])
        server = child
        let deadline = ContinuousClock.now + .seconds(20)
        let readyLine = "serve listening address=127.0.0.1:\(port)"
        while true {
            if !child.isRunning {
                let result = await child.finish()
                throw LiveError("the aggregator exited before it was ready: \(result.summary)")
            }
            if Self.httpStatus(port: port, path: "/healthz") == 200, child.stderrSoFar().contains(readyLine) { return }
            if ContinuousClock.now > deadline {
                child.killNow()
                throw LiveError("the aggregator was not ready on \(url) within 20 s; stderr: \(child.stderrSoFar())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// SIGTERM, then expects a clean exit 0 within 10 s (the product's promise).
    @discardableResult
    func stopAggregator(sourceLocation: SourceLocation = #_sourceLocation) async throws -> LiveResult {
        guard let server, server.isRunning else { throw LiveError("the aggregator is not running") }
        server.signal(SIGTERM)
        let result = await server.finish(within: .seconds(10))
        #expect(!result.timedOut && !result.signalled && result.status == 0,
                "serve did not exit 0 within 10 s of SIGTERM: \(result.summary)", sourceLocation: sourceLocation)
        self.server = nil
        return result
    }

    /// SIGKILL, as a power cut or an OOM kill would.
    func killAggregator() async {
        guard let server else { return }
        server.signal(SIGKILL)
        await server.finish(within: .seconds(10))
        self.server = nil
    }

    /// How many pushes the running aggregator has logged as stored ("push stored" lines on its stderr).
    func storedPushesLogged() -> Int {
        guard let server else { return 0 }
        return server.stderrSoFar().components(separatedBy: "push stored").count - 1
    }

    /// Waits until the running aggregator logs more than `count` stored pushes (so a push is under way),
    /// `while` the given process runs, for at most `limit`. True when it did.
    func waitForStoredPushes(moreThan count: Int, while process: LiveProcess, within limit: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline && process.isRunning {
            if storedPushesLogged() > count { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return storedPushesLogged() > count
    }

    /// SIGSTOP/SIGCONT: a server that accepts connections (the kernel does) but never answers.
    func pauseAggregator() { server?.signal(SIGSTOP) }
    func resumeAggregator() { server?.signal(SIGCONT) }

    func enrol(_ node: LiveNode, publicKey: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let result = try await runAdmin(["nodes", "add", node.id, "--public-key", publicKey ?? node.publicKey])
        try #require(result.status == 0, "nodes add \(node.id) failed: \(result.summary)", sourceLocation: sourceLocation)
    }

    func revoke(_ node: LiveNode, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let result = try await runAdmin(["nodes", "revoke", node.id])
        try #require(result.status == 0, "nodes revoke \(node.id) failed: \(result.summary)", sourceLocation: sourceLocation)
    }

    /// `nodes list --json`, the entry of one node.
    func nodeRecord(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let result = try await runAdmin(["nodes", "list", "--json"])
        try #require(result.status == 0, "nodes list failed: \(result.summary)", sourceLocation: sourceLocation)
        let list = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]],
                                "nodes list --json is not an array: \(result.stdoutText)", sourceLocation: sourceLocation)
        return try #require(list.first { $0["node_id"] as? String == id }, "node \(id) is not listed", sourceLocation: sourceLocation)
    }

    /// The aggregator's head seq for a node, as `nodes list --json` reports it.
    func head(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int64 {
        let record = try await nodeRecord(id, sourceLocation: sourceLocation)
        return try #require((record["head_seq"] as? NSNumber)?.int64Value, "no head_seq in \(record)", sourceLocation: sourceLocation)
    }

    /// `events --node ID --json`, raw.
    func eventsOutput(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Data {
        let result = try await runAdmin(["events", "--node", id, "--json"])
        try #require(result.status == 0, "events --node \(id) failed: \(result.summary)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// The elements of the `events --json` array, as the verbatim bytes the aggregator printed: the array is
    /// "[", then one stored entry per line (each but the last followed by ","), then "]".
    static func elements(of output: Data, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Data] {
        var lines = output.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Data($0) }
        if lines.last?.isEmpty == true { lines.removeLast() }
        try #require(lines.first == Data("[".utf8) && lines.last == Data("]".utf8),
                     "events --json is not '[', one entry per line, ']': \(String(decoding: output.prefix(300), as: UTF8.self))",
                     sourceLocation: sourceLocation)
        var elements = Array(lines.dropFirst().dropLast())
        for index in elements.indices.dropLast() {
            try #require(elements[index].last == UInt8(ascii: ","), "element \(index + 1) is not followed by ','", sourceLocation: sourceLocation)
            elements[index].removeLast()
        }
        return elements
    }

    /// Straight from the aggregator's database (the SQLite file, or PostgreSQL): entries, distinct event ids, min and
    /// max seq of one node.
    func storedCounts(_ id: String) async throws -> (rows: Int, distinctIDs: Int, minSeq: Int64, maxSeq: Int64) {
        let sql = """
            SELECT count(*) AS n, count(DISTINCT event_id) AS ids, COALESCE(min(seq), 0) AS lo, COALESCE(max(seq), 0) AS hi
            FROM entries WHERE node = '\(id.replacingOccurrences(of: "'", with: "''"))'
            """
        if let postgres {
            let cells = try postgres.query(sql).split(separator: "|").map { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
            guard cells.count == 4 else { throw LiveError("psql answered \(cells)") }
            return (Int(cells[0]), Int(cells[1]), cells[2], cells[3])
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: aggregatorDatabase, configuration: configuration)
        defer { try? queue.close() }
        return try await queue.read { db in
            let row = try Row.fetchOne(db, sql: sql)
            return (row?["n"] ?? -1, row?["ids"] ?? -1, row?["lo"] ?? -1, row?["hi"] ?? -1)
        }
    }

    /// The provincial backup, taken with the server stopped: a copy of the SQLite files, or `pg_dump`.
    func backupAggregator(to backup: String) throws {
        try FileManager.default.createDirectory(atPath: backup, withIntermediateDirectories: true)
        if let postgres { return try postgres.dump(to: backup + "/simpul.dump") }
        for file in aggregatorDatabaseFiles where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.copyItem(atPath: file, toPath: backup + "/" + (file as NSString).lastPathComponent)
        }
    }

    /// The aggregator's disk died: its database is put back from `backupAggregator`'s copy (server stopped).
    func restoreAggregator(from backup: String) throws {
        if let postgres { return try postgres.restore(from: backup + "/simpul.dump") }
        for file in aggregatorDatabaseFiles where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.removeItem(atPath: file)
        }
        for file in aggregatorDatabaseFiles {
            let saved = backup + "/" + (file as NSString).lastPathComponent
            if FileManager.default.fileExists(atPath: saved) { try FileManager.default.copyItem(atPath: saved, toPath: file) }
        }
    }

    /// The aggregator database files (the database, and its WAL and shared-memory files when present).
    var aggregatorDatabaseFiles: [String] { ["", "-wal", "-shm"].map { aggregatorDatabase + $0 } }

    // MARK: nodes

    /// `simpul init` for a node in its own directory, enrolled unless told otherwise.
    /// `provider` sets up a provider office's node (`init --provider CODE`); `recover` a rebuilt one (`init --recover`).
    func makeNode(_ id: String = "35.07.01", enrol: Bool = true, provider: Bool = false, recover: Bool = false) async throws -> LiveNode {
        let nodeDir = dir + "/node-\(id)-\(UUID().uuidString.prefix(4))"
        try FileManager.default.createDirectory(atPath: nodeDir, withIntermediateDirectories: true)
        let config = nodeDir + "/node.toml"
        let identity = provider ? ["--provider", id] : ["--node-id", id]
        let result = try await spawn(
            "simpul", ["init"] + identity + (recover ? ["--recover"] : []) + ["--aggregator", url, "--data-dir", nodeDir, "--config", config, "--json"],
            in: nodeDir
        ).finish()
        guard result.status == 0,
              let object = try? JSONSerialization.jsonObject(with: result.stdout) as? [String: Any],
              let key = object["public_key"] as? String
        else { throw LiveError("simpul init failed: \(result.summary); stdout: \(result.stdoutText)") }
        let node = LiveNode(cluster: self, id: id, dir: nodeDir, publicKey: key)
        if enrol { try await self.enrol(node) }
        return node
    }

    // MARK: sockets

    /// A free TCP port on 127.0.0.1 below the kernel's ephemeral range (ip_local_port_range; 32768-60999 by default),
    /// never the same twice in a run. A port from `bind(0)` is an ephemeral one: between a server's stop and its
    /// restart on it, any outgoing connection of any process on the machine could take it as its local port ("Address
    /// already in use" on the restart, seen in CI); one below the range is never handed out that way.
    static func freePort() throws -> UInt16 {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
            .split(whereSeparator: \.isWhitespace).compactMap { Int($0) } ?? []
        let low = range.first ?? 32768
        if low > 12_000 {
            for _ in 0..<500 {
                let candidate = UInt16(Int.random(in: 10_000..<(low - 1)))
                guard handedOut.withLock({ $0.insert(candidate).inserted }) else { continue }
                if try bindable(candidate) { return candidate }
            }
        }
        return try ephemeralPort()
    }

    private static let handedOut = Mutex(Set<UInt16>())

    /// Whether 127.0.0.1:`port` can be bound now.
    private static func bindable(_ port: UInt16) throws -> Bool {
        let fd = socket(AF_INET, Self.streamType, 0)
        guard fd >= 0 else { throw LiveError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = loopback(port: port)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } } == 0
    }

    /// A port from `bind(0)`: only when the ephemeral range leaves no room below it.
    private static func ephemeralPort() throws -> UInt16 {
        let fd = socket(AF_INET, Self.streamType, 0)
        guard fd >= 0 else { throw LiveError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw LiveError("bind(127.0.0.1:0) failed: errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw LiveError("getsockname failed: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    #if canImport(Glibc)
    static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
    static let streamType = SOCK_STREAM
    #endif

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// The status code of a GET on 127.0.0.1, or nil when nothing answers within about a second.
    static func httpStatus(port: UInt16, path: String) -> Int? {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return nil }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while response.count < 65536 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response.append(contentsOf: buffer[0..<n])
            if response.count >= 12 && response.contains(UInt8(ascii: "\n")) { break }
        }
        let statusLine = String(decoding: response.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/") else { return nil }
        return Int(parts[1])
    }
}

/// A `simpul` node of a cluster: its directory, config and database.
final class LiveNode {
    let cluster: LiveCluster
    let id: String
    let dir: String
    let publicKey: String
    var config: String { dir + "/node.toml" }
    var database: String { dir + "/node.db" }
    var databaseFiles: [String] { ["", "-wal", "-shm"].map { database + $0 } }
    private var generated = 0

    init(cluster: LiveCluster, id: String, dir: String, publicKey: String) {
        self.cluster = cluster
        self.id = id
        self.dir = dir
        self.publicKey = publicKey
    }

    /// Starts `simpul ARGS --config node.toml` in the background. The control socket is pinned to the node's
    /// directory, so a daemon elsewhere on this machine (/run/simpul) is never asked instead.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> LiveProcess {
        try cluster.spawn("simpul", arguments + ["--config", config],
                          environment: ["SIMPUL_DAEMON_RUNTIME_DIR": dir].merging(environment) { $1 }, in: dir)
    }

    func run(_ arguments: [String], environment: [String: String] = [:], within limit: Duration = .seconds(60)) async throws -> LiveResult {
        try await start(arguments, environment: environment).finish(within: limit)
    }

    /// Records `count` new events (one `record --file` run) and returns the ids it printed.
    @discardableResult
    func record(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        let lines = (0..<count).map { _ in
            generated += 1
            return LiveEvents.line(node: id, index: generated)
        }
        let file = dir + "/batch-\(generated).ndjson"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try await run(["record", "--file", file])
        try #require(result.status == 0, "record failed: \(result.summary)", sourceLocation: sourceLocation)
        let ids = result.stdoutText.split(separator: "\n").map(String.init)
        try #require(ids.count == count, "record printed \(ids.count) ids for \(count) events", sourceLocation: sourceLocation)
        return ids
    }

    /// `sync now --json` (in batches of 50 by default), waiting at most `within`.
    func sync(_ extra: [String] = [], environment: [String: String] = LiveCluster.smallBatches,
              within limit: Duration = .seconds(60)) async throws -> LiveSync {
        let result = try await run(["sync", "now", "--json"] + extra, environment: environment, within: limit)
        return LiveSync(result: result, report: Self.report(result))
    }

    func startSync(_ extra: [String] = [], environment: [String: String] = LiveCluster.smallBatches) throws -> LiveProcess {
        try start(["sync", "now", "--json"] + extra, environment: environment)
    }

    static func report(_ result: LiveResult) -> LiveSyncReport? {
        try? JSONDecoder().decode(LiveSyncReport.self, from: result.stdout)
    }

    /// A sync that must succeed and cover every local entry.
    @discardableResult
    func syncCompletely(sourceLocation: SourceLocation = #_sourceLocation) async throws -> LiveSyncReport {
        let sync = try await self.sync()
        try #require(sync.status == 0, "sync now failed: \(sync.result.summary)", sourceLocation: sourceLocation)
        let report = try #require(sync.report, "sync now --json printed no report: \(sync.result.stdoutText)", sourceLocation: sourceLocation)
        #expect(report.status == "pushed" || report.status == "nothing_to_push", sourceLocation: sourceLocation)
        #expect(report.ackedSeq == report.headSeq, "receipt covers \(report.ackedSeq) of \(report.headSeq)", sourceLocation: sourceLocation)
        return report
    }

    func status(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let result = try await run(["status", "--json"])
        try #require(result.status == 0, "status --json failed: \(result.summary)", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any],
                            "status --json is not an object: \(result.stdoutText)", sourceLocation: sourceLocation)
    }

    /// The log straight from node.db (`log(seq, hlc, bytes, hash)`), in seq order.
    func logEntries() async throws -> [LiveEntry] {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: database, configuration: configuration)
        defer { try? queue.close() }
        return try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, bytes FROM log ORDER BY seq").map { LiveEntry(seq: $0["seq"], bytes: $0["bytes"]) }
        }
    }

    /// Copies the node database files (none of the node's processes may be running).
    func copyDatabase(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in databaseFiles where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.copyItem(atPath: file, toPath: directory + "/" + (file as NSString).lastPathComponent)
        }
    }

    /// A second directory holding this node's key, log and config (with its own data dir, so its own sync
    /// lock): the same node run twice, as when an office copies its data directory to a second PC.
    func cloneDirectory() throws -> LiveNode {
        let cloneDir = dir + "-clone-\(UUID().uuidString.prefix(4))"
        try FileManager.default.copyItem(atPath: dir, toPath: cloneDir)
        for leftover in ["sync.lock", "node.sock", "control.sock"] { try? FileManager.default.removeItem(atPath: cloneDir + "/" + leftover) }
        let configPath = cloneDir + "/node.toml"
        let text = try String(contentsOfFile: configPath, encoding: .utf8)
        guard text.contains("data_dir = \"\(dir)\"") else { throw LiveError("no data_dir = \"\(dir)\" in \(configPath)") }
        try text.replacingOccurrences(of: "\"\(dir)\"", with: "\"\(cloneDir)\"")
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        return LiveNode(cluster: cluster, id: id, dir: cloneDir, publicKey: publicKey)
    }

    /// Puts back a copy made by `copyDatabase(to:)`, as restoring the office PC from a backup would.
    func restoreDatabase(from directory: String) throws {
        for file in databaseFiles where FileManager.default.fileExists(atPath: file) { try FileManager.default.removeItem(atPath: file) }
        for file in databaseFiles {
            let saved = directory + "/" + (file as NSString).lastPathComponent
            if FileManager.default.fileExists(atPath: saved) { try FileManager.default.copyItem(atPath: saved, toPath: file) }
        }
    }
}

/// Event lines for a node: varied services and desa of its kecamatan, non-ASCII and escaped text in attrs,
/// and a NIK (pseudonymised on the node) on every seventh.
enum LiveEvents {
    static let services = ["ADM.KTPEL", "ADM.KK", "PATEN.NP.SKTM", "ADM.AKTA_LAHIR"]

    static func line(node: String, index: Int) -> String {
        let kecamatan = String(node.prefix(8))
        var object: [String: Any] = [
            "kind": "request.received",
            "service": services[index % services.count],
            "desa": kecamatan + String(format: ".20%02d", 1 + index % 8),
            "officer": index % 2 == 0 ? "ani" : "budi",
            "attrs": ["catatan": "antrian #\(index) — Bu Sri \"lansia\" ✓ \\ dibantu", "nomor": index],
        ]
        if index % 7 == 0 { object["nik"] = nik(kecamatan: kecamatan, index: index) }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// A NIK valid in form: kecamatan digits, birth day (+40 for women), month, year, serial.
    static func nik(kecamatan: String, index: Int) -> String {
        let day = 1 + index % 28 + (index % 2 == 0 ? 40 : 0)
        return kecamatan.replacingOccurrences(of: ".", with: "")
            + String(format: "%02d%02d%02d%04d", day, 1 + index % 12, 60 + index % 40, index % 9999 + 1)
    }
}

/// Promise 2, checked on one node: every local entry is stored at the aggregator exactly once, byte for byte,
/// seq 1...n without gaps, unique event ids; both `verify` commands pass; the node has nothing left to send.
func expectExactlyOnce(_ node: LiveNode, count expected: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let cluster = node.cluster
    let local = try await node.logEntries()
    if let expected { #expect(local.count == expected, "the node's log holds \(local.count) entries, expected \(expected)", sourceLocation: sourceLocation) }
    #expect(local.map(\.seq) == (0..<Int64(local.count)).map { $0 + 1 }, "the node's log has a gap", sourceLocation: sourceLocation)

    // Byte for byte: each array element printed by the aggregator is the node's stored entry, verbatim.
    let output = try await cluster.eventsOutput(node.id, sourceLocation: sourceLocation)
    let elements = try LiveCluster.elements(of: output, sourceLocation: sourceLocation)
    #expect(elements.count == local.count, "the aggregator holds \(elements.count) entries of \(node.id), the node \(local.count)",
            sourceLocation: sourceLocation)
    if let mismatch = zip(local, elements).first(where: { $0.bytes != $1 }) {
        let detail = "seq \(mismatch.0.seq) differs: node \(String(decoding: mismatch.0.bytes, as: UTF8.self)) "
            + "aggregator \(String(decoding: mismatch.1, as: UTF8.self))"
        Issue.record(Comment(rawValue: detail), sourceLocation: sourceLocation)
    }

    // The same output as JSON: seq 1...n and every event id once.
    let array = try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]], sourceLocation: sourceLocation)
    let seqs = array.compactMap { ($0["seq"] as? NSNumber)?.int64Value }
    let ids = array.compactMap { ($0["event"] as? [String: Any])?["id"] as? String }
    #expect(seqs == (0..<Int64(array.count)).map { $0 + 1 }, "the aggregator's seqs are not 1...\(array.count)", sourceLocation: sourceLocation)
    #expect(ids.count == array.count && Set(ids).count == ids.count, "an event id is missing or stored twice", sourceLocation: sourceLocation)

    // And straight from the aggregator's SQLite file.
    let counts = try await cluster.storedCounts(node.id)
    #expect(counts.rows == local.count && counts.distinctIDs == local.count, "aggregator.db: \(counts)", sourceLocation: sourceLocation)
    #expect(counts.rows == 0 || (counts.minSeq == 1 && counts.maxSeq == Int64(local.count)), "aggregator.db: \(counts)", sourceLocation: sourceLocation)
    #expect(try await cluster.head(node.id, sourceLocation: sourceLocation) == Int64(local.count), sourceLocation: sourceLocation)

    let verify = try await cluster.runAdmin(["verify"])
    #expect(verify.status == 0, "simpul-aggregator verify: \(verify.summary) \(verify.stdoutText)", sourceLocation: sourceLocation)
    let logVerify = try await node.run(["log", "verify"])
    #expect(logVerify.status == 0, "simpul log verify: \(logVerify.summary)", sourceLocation: sourceLocation)

    let status = try await node.status(sourceLocation: sourceLocation)
    #expect((status["acked_seq"] as? NSNumber)?.intValue == local.count, "status: \(status)", sourceLocation: sourceLocation)
    #expect((status["backlog"] as? NSNumber)?.intValue == 0, "status: \(status)", sourceLocation: sourceLocation)
}
