import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// An aggregator served in-process (`app.test(.router)`), with small limits so the limit tests stay small, on a real
/// database: a SQLite file in its own temporary directory, or, when `SIMPUL_TEST_POSTGRES` names a PostgreSQL server
/// (scripts/test.sh starts a throwaway one), its own new database there. The same tests run on both backends.
struct AggregatorHarness: Sendable {
    static let limits = Limits(maxBodyBytes: 64 << 10, maxDecompressedBytes: 256 << 10, maxEntries: 50, maxEntryBytes: 4 << 10)

    let dir: URL
    let storage: any AggregatorStorage
    let database: TestDatabase
    let aggregatorKey: SigningKey
    let app: AggregatorApp

    /// Builds the aggregator and enrols `nodes`.
    /// `sqliteOnly`: on SQLite whatever the pass (a migration's source).
    static func make(enrolling nodes: [NodeLog] = [], sqliteOnly: Bool = false, dashboardToken: String = "") async throws -> AggregatorHarness {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simpul-agg-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let database = sqliteOnly ? TestDatabase.sqlite(path: dir.path + "/agg.db") : try TestDatabase.make(in: dir.path)
        let storage = try await database.open()
        let key = SigningKey()
        let ingest = PushIngest(storage: storage, rules: EventRules(), limits: limits, signingKey: key)
        let harness = AggregatorHarness(dir: dir, storage: storage, database: database, aggregatorKey: key, app: AggregatorApp(ingest: ingest, dashboardToken: dashboardToken))
        try await harness.enrol(nodes)
        return harness
    }

    func enrol(_ nodes: [NodeLog]) async throws {
        guard !nodes.isEmpty else { return }
        try await storage.addNodes(nodes.map {
            NodeRecord(id: $0.id, publicKey: $0.key.publicKey.base64, enrolledAt: "2026-03-01T08:00:00+07:00")
        })
    }

    func remove() {
        try? FileManager.default.removeItem(at: dir)
        database.drop()
    }

    /// Runs `body` against the in-process server, then removes the temporary directory (and database).
    @discardableResult
    func test<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        defer { remove() }
        var logger = Logger(label: "simpul-aggregator-test")
        logger.logLevel = .critical
        let application = Application(router: app.router(), logger: logger)
        return try await application.test(.router) { client in try await body(client) }
    }

    // MARK: - Reading the database behind the storage's back

    /// Runs SQL written for both backends behind the storage's back (for damaging rows); returns the rows changed.
    @discardableResult
    func execute(_ sql: String) throws -> Int { try database.execute(sql) }

    /// The rows of a query written for both backends, each cell as text (NULL as nil).
    func rows(_ sql: String) throws -> [[String?]] { try database.rows(sql) }

    /// Everything a refused request must leave as it was.
    struct Snapshot: Equatable, CustomStringConvertible {
        var entries: [String]
        var batches: Int
        var forks: Int
        var heads: [String]
        var quarantined: Int

        var description: String { "entries=\(entries.count) batches=\(batches) forks=\(forks) heads=\(heads) quarantined=\(quarantined)" }
    }

    func snapshot() throws -> Snapshot {
        let hex = database.hexFunction
        func count(_ table: String) throws -> Int { Int(try rows("SELECT COUNT(*) FROM \(table)")[0][0] ?? "") ?? -1 }
        return Snapshot(
            entries: try rows("SELECT node, CAST(seq AS TEXT), \(hex)(bytes), \(hex)(hash) FROM entries ORDER BY node, seq")
                .map { "\($0[0]!)#\($0[1]!):\($0[3]!):\($0[2]!)" },
            batches: try count("batches"),
            forks: try count("forks"),
            heads: try rows("""
                SELECT id, CAST(head_seq AS TEXT), \(hex)(head_hash), CAST(fork_seq AS TEXT), revoked_at FROM nodes ORDER BY id
                """).map { "\($0[0]!)@\($0[1]!):\($0[2]!) fork=\($0[3] ?? "nil") revoked=\($0[4] ?? "nil")" },
            quarantined: try count("quarantine"))
    }

    func entryCount(node: String? = nil) throws -> Int {
        let sql = node.map { "SELECT COUNT(*) FROM entries WHERE node = '\($0)'" } ?? "SELECT COUNT(*) FROM entries"
        return Int(try rows(sql)[0][0] ?? "") ?? -1
    }

    /// The stored entries of `node`, through the storage protocol.
    func storedEntries(_ node: String) async throws -> [(seq: Int64, bytes: Data, hash: Data)] {
        try await storage.entries(node: node, after: 0, limit: 100_000)
    }

    /// The figures per service after the figure job has taken in everything stored (cases of every area).
    func figuresByService() async throws -> [String: FigureCounts] {
        try await FigureUpdater.catchUp(storage)
        var out = [String: FigureCounts]()
        for row in try await storage.figureSums(area: AreaRange("")) { out[row.key.service, default: FigureCounts()] += row.counts }
        return out.filter { !$0.value.isZero }
    }

    func head(_ node: String) async throws -> (seq: Int64, hash: String)? {
        try await storage.node(node).map { ($0.headSeq, $0.headHash) }
    }
}

/// A node's log built in the test with SimpulCore, exactly as a node records it: events, entry bytes,
/// the hash chain, and signed push batches.
struct NodeLog: Sendable {
    let id: String
    let key: SigningKey
    private(set) var entries: [LogEntry] = []
    /// `hashes[seq]`; `hashes[0]` is the genesis hash.
    private(set) var hashes: [Data] = [ChainHash.genesis]

    init(id: String = "35.07.01", key: SigningKey = SigningKey()) {
        self.id = id
        self.key = key
    }

    static let builder = EventBuilder(rules: EventRules(), pseudonymizer: nil)
    static let now = Date(timeIntervalSince1970: 1_788_000_000)

    /// A valid `request.received` for Donomulyo (35.07.01).
    static func request(_ extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "kind": .string("request.received"), "service": .string("ADM.KTPEL"),
            "desa": .string("35.07.01.2001"), "occurred_at": .string("2026-03-01T09:00:00+07:00"),
            "officer": .string("Sari"),
        ]
        for (key, value) in extra { object[key] = value }
        return object
    }

    static func validEventJSON(_ extra: [String: JSONValue] = [:]) throws -> Data {
        try builder.build(object: request(extra), now: now).canonicalJSON()
    }

    var headSeq: Int64 { Int64(entries.count) }
    var headHash: Data { hashes[hashes.count - 1] }

    /// Appends an entry around `eventJSON` (any bytes: valid or not), with `entryNode` as its inner node.
    mutating func append(eventJSON: Data, entryNode: String? = nil) {
        let seq = headSeq + 1
        let bytes = LogEntry.encode(
            seq: seq, node: entryNode ?? id, hlc: HLCTimestamp(millis: 1_788_000_000_000 + seq, logical: 0), eventJSON: eventJSON)
        append(bytes: bytes)
    }

    /// Appends raw entry bytes, chaining them.
    mutating func append(bytes: Data) {
        entries.append(LogEntry(seq: headSeq + 1, bytes: bytes))
        hashes.append(ChainHash.next(previous: headHash, entry: bytes))
    }

    /// Appends `count` valid events.
    /// Appends `count` valid events in a desa of the node's own kecamatan.
    mutating func record(_ count: Int, _ extra: [String: JSONValue] = [:]) throws {
        var fields: [String: JSONValue] = ["desa": .string(NodeID.kecamatan(of: id) + ".2001")]
        for (key, value) in extra { fields[key] = value }
        for _ in 0..<count { append(eventJSON: try Self.validEventJSON(fields)) }
    }

    func hashHex(_ seq: Int64) -> String { Hex.encode(hashes[Int(seq)]) }

    func slice(_ range: ClosedRange<Int64>) -> [LogEntry] {
        Array(entries[Int(range.lowerBound - 1)..<Int(range.upperBound)])
    }

    /// The signed header for `range`, as the node's sync engine builds it.
    func header(_ range: ClosedRange<Int64>, signer: SigningKey? = nil, node: String? = nil,
                protocolVersion: Int = SimpulProtocol.version) -> PushHeader {
        var header = PushHeader(
            protocolVersion: protocolVersion, node: node ?? id, fromSeq: range.lowerBound, toSeq: range.upperBound,
            prevHash: hashHex(range.lowerBound - 1), lastHash: hashHex(range.upperBound), clock: "2026-03-01T09:00:00+07:00")
        header.sign(with: signer ?? key)
        return header
    }

    /// The uncompressed NDJSON body for `range`.
    func body(_ range: ClosedRange<Int64>, signer: SigningKey? = nil, node: String? = nil) throws -> Data {
        try header(range, signer: signer, node: node).body(entries: slice(range))
    }
}

// MARK: - Requests

enum Wire {
    static let protocolHeader = HTTPField.Name(SimpulProtocol.versionHeader)!
    static let clockHeader = HTTPField.Name(SimpulProtocol.clockHeader)!
    static let signatureHeader = HTTPField.Name(SimpulProtocol.signatureHeader)!

    static func pushHeaders(version: String? = String(SimpulProtocol.version), gzip: Bool = false) -> HTTPFields {
        var fields = HTTPFields()
        if let version { fields[protocolHeader] = version }
        fields[clockHeader] = "2026-03-01T09:00:00+07:00"
        fields[.contentType] = SimpulProtocol.pushContentType
        if gzip { fields[.contentEncoding] = "gzip" }
        return fields
    }

    static let counterHeader = HTTPField.Name(SimpulProtocol.counterHeader)!

    /// A request counter above every earlier one in this process (monotonic nanoseconds), as a node's would be.
    static func nextCounter() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds) }

    /// Headers of a signed head read: `signer` signs `node`'s head message with `counter` (a fresh one by default).
    static func headHeaders(node: String, signer: SigningKey, version: String? = String(SimpulProtocol.version),
                            counter: Int64 = Wire.nextCounter()) -> HTTPFields {
        let clock = RFC3339.format(Date())
        var fields = HTTPFields()
        if let version { fields[protocolHeader] = version }
        fields[clockHeader] = clock
        fields[counterHeader] = String(counter)
        fields[signatureHeader] = signer.sign(HeadRequestSignature.message(node: node, clock: clock, counter: counter))
        return fields
    }
}

extension TestClientProtocol {
    /// `POST /v1/nodes/{node}/push` with `body` (gzipped on the way when `gzip`).
    func push(node: String, body: Data, gzip: Bool = false, headers: HTTPFields? = nil) async throws -> TestResponse {
        let sent = gzip ? Gzip.compress(body) : body
        return try await execute(
            uri: "/v1/nodes/\(node)/push", method: .post, headers: headers ?? Wire.pushHeaders(gzip: gzip),
            body: ByteBuffer(bytes: sent))
    }

    /// Pushes `range` of `log` and expects a receipt.
    @discardableResult
    func pushOK(_ log: NodeLog, _ range: ClosedRange<Int64>, gzip: Bool = true) async throws -> Receipt {
        let response = try await push(node: log.id, body: try log.body(range), gzip: gzip)
        guard response.status == .ok else {
            throw HarnessError("push \(range) of \(log.id) answered \(response.status.code): \(String(buffer: response.body))")
        }
        return try JSONDecoder().decode(Receipt.self, from: Data(buffer: response.body))
    }

    func readHead(node: String, signer: SigningKey) async throws -> TestResponse {
        try await execute(uri: "/v1/nodes/\(node)/head", method: .get, headers: Wire.headHeaders(node: node, signer: signer))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A response body as a JSON object.
func jsonObject(_ response: TestResponse) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] else {
        throw HarnessError("not a JSON object: \(String(buffer: response.body))")
    }
    return object
}

// MARK: - Expectations

/// Expects `response` to be an RFC 9457 problem with `status` and `type`, and the fields every problem carries.
@discardableResult
func expectProblem(_ response: TestResponse, status: Int, type: String,
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> Problem {
    #expect(response.status.code == status, "status \(response.status.code): \(String(buffer: response.body))", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == SimpulProtocol.problemContentType, sourceLocation: sourceLocation)
    let object = try jsonObject(response)
    for key in ["type", "title", "detail"] {
        #expect((object[key] as? String)?.isEmpty == false, "the problem has no '\(key)': \(object)", sourceLocation: sourceLocation)
    }
    #expect(object["status"] as? Int == status, sourceLocation: sourceLocation)
    let problem = try JSONDecoder().decode(Problem.self, from: Data(buffer: response.body))
    #expect(problem.type == type, "type \(problem.type): \(problem.detail)", sourceLocation: sourceLocation)
    return problem
}

extension AggregatorHarness {
    /// Sends `request`, expects the problem, and expects every table and head to be as they were before.
    @discardableResult
    func expectRefusal(status: Int, type: String, sourceLocation: SourceLocation = #_sourceLocation,
                       _ request: () async throws -> TestResponse) async throws -> Problem {
        let before = try snapshot()
        let problem = try expectProblem(try await request(), status: status, type: type, sourceLocation: sourceLocation)
        let after = try snapshot()
        #expect(after == before, "state changed: \(before) -> \(after)", sourceLocation: sourceLocation)
        return problem
    }
}

extension NodeLog {
    /// A log of `count` valid events.
    static func recorded(_ count: Int, id: String = "35.07.01", key: SigningKey = SigningKey()) throws -> NodeLog {
        var log = NodeLog(id: id, key: key)
        try log.record(count)
        return log
    }
}
