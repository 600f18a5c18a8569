import Foundation
import Logging
import NIOCore
import PostgresNIO
import SimpulCore

/// The aggregator's storage on PostgreSQL, for several stateless replicas sharing one database.
///
/// Every replica runs the same checks (`PushIngest`); what keeps them from stepping on each other is here: the head
/// advance is a compare-and-swap on the node's row (`UPDATE ... WHERE head_seq = expected`, which also locks the row
/// until the commit), entries are unique by (node, seq) and by event id, feed rows take their cursor from one
/// sequence under a lock held to the commit (so no reader skips a cursor a slower transaction takes later), and the
/// schema is migrated under an advisory lock. An operation that cannot reach the database throws
/// `StorageUnavailable` (503 over HTTP) within `operationTimeout`; the pool reconnects by itself.
public final class PostgresStorage: AggregatorStorage, HeadNotifyingStorage {
    let client: PostgresClient
    let logger: Logger
    public let url: PostgresURL
    private let runTask: Task<Void, Never>
    /// The heads every replica commits, as they commit them (a push waiting on its predecessor hears it).
    let headNotifications: any HeadNotifications
    /// How long one storage operation may take before it is given up as unavailable.
    let operationTimeout: Duration
    /// Gives the feed rows of this replica's pushes their cursors, one run at a time (`sequenceFeed`).
    let feedSequencer = FeedSequencer()

    /// Connects (the pool opens connections as needed) and brings the schema up to date under an advisory lock.
    public init(url: PostgresURL, poolSize: Int = 10, operationTimeout: Duration = .seconds(10),
                logger: Logger = Logger(label: "simpul-aggregator.postgres")) async throws(AggregatorError) {
        let tls = try Self.tlsConfiguration(url)
        try await Self.probe(url, tls: tls, timeout: operationTimeout, logger: logger)
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: tls.map { url.tls == .require ? .require($0) : .prefer($0) } ?? .disable)
        // One more than the work's: the head listener holds one connection for as long as it runs.
        configuration.options.maximumConnections = poolSize + 1
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.connectionIdleTimeout = .seconds(60)
        // postgres-nio logs each failed connection attempt at info, several a second while the database is down;
        // the storage says it once, in words (StorageUnavailable, serve's "waiting for the database").
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.client = client
        self.logger = logger
        self.url = url
        self.operationTimeout = operationTimeout
        runTask = Task { await client.run() }
        headNotifications = PostgresHeadListener(client: client, logger: logger)
        feedSequencer.attach { [weak self] in await self?.sequenceFeedAfterWrite() }
        do {
            try await PostgresSchema.migrate(client, logger: logger, timeout: operationTimeout)
        } catch {
            runTask.cancel()
            throw AggregatorError(Message(.aggDatabaseOpenFailed, ["path": url.redacted, "error": Self.describe(error)]), hint: Message(.aggPostgresOpenHint))
        }
    }

    deinit {
        runTask.cancel()
    }

    /// The URL's TLS (nil: none): the server's certificate verified, chain and host name, against the system's roots
    /// or against only the CA certificates of `sslrootcert`.
    private static func tlsConfiguration(_ url: PostgresURL) throws(AggregatorError) -> TLSConfiguration? {
        guard url.tls != .disable else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let file = url.rootCertificateFile {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(file)
                guard !certificates.isEmpty else { throw AggregatorError(Message(.aggNoPEM)) }
                configuration.trustRoots = .certificates(certificates)
            } catch {
                let reason = (error as? AggregatorError)?.text ?? .verbatim("\(error)")
                throw AggregatorError(Message(.aggCAUnreadable, ["path": file, "url": url.redacted], parts: ["error": reason]),
                                      hint: Message(.aggCAUnreadableHint), exitCode: 2)
            }
        }
        return configuration
    }

    /// One connection made and closed before the pool opens: a server that turns this replica away (its certificate
    /// not trusted, the password, no such database, nothing listening) is reported at once in the server's or the TLS
    /// library's words; the pool would retry quietly until its deadline and then say only that it ran out of time.
    private static func probe(_ url: PostgresURL, tls: TLSConfiguration?, timeout: Duration, logger: Logger) async throws(AggregatorError) {
        do {
            var probeTLS = PostgresConnection.Configuration.TLS.disable
            if let tls {
                let context = try NIOSSLContext(configuration: tls)
                probeTLS = url.tls == .require ? .require(context) : .prefer(context)
            }
            var configuration = PostgresConnection.Configuration(
                host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: probeTLS)
            configuration.options.connectTimeout = .seconds(5)
            var quiet = logger
            quiet.logLevel = max(logger.logLevel, .warning)
            let connection = try await withDeadline(timeout, onTimeout: {
                StorageUnavailable("no answer within \(timeout)")
            }) { [configuration, quiet] in
                try await PostgresConnection.connect(configuration: configuration, id: 0, logger: quiet)
            }
            try? await connection.close()
        } catch {
            throw AggregatorError(Message(.aggPostgresConnectFailed, ["url": url.redacted, "error": Self.describe(error)]), hint: Message(.aggPostgresConnectHint))
        }
    }

    /// A database error in words an operator can act on (the server's message and SQLSTATE, not a dump).
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                return message + (psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            if let underlying = psql.underlying, let reason = tlsReason(underlying) { return reason }
            return "\(psql.code)" + (psql.underlying.map { ": \($0)" } ?? "")
        }
        if let unavailable = error as? StorageUnavailable { return unavailable.reason }
        return "\(error)"
    }

    /// A failed TLS handshake in words: BoringSSL's reason (CERTIFICATE_VERIFY_FAILED, ...) without its source path.
    static func tlsReason(_ error: any Error) -> String? {
        let text = "\(error)"
        guard text.contains("handshakeFailed"), let marker = text.range(of: "OPENSSL_internal:") else { return nil }
        let reason = String(text[marker.upperBound...].prefix { $0 != " " && $0 != "]" })
        let meaning = reason == "CERTIFICATE_VERIFY_FAILED"
            ? " (the server's certificate does not chain to a trusted CA, or does not name this host)" : ""
        return "the TLS handshake failed: \(reason)\(meaning)"
    }

    /// Runs one storage operation within `operationTimeout`; an error reaching the database becomes
    /// `StorageUnavailable`. Errors of the operation itself (an `AggregatorError`, a constraint) pass through.
    func run<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await runUnwrapped(what, body)
        } catch let error as PostgresTransactionError {
            // The transaction's own error (a refusal, a rollback on purpose) passes as it was thrown; a failed BEGIN,
            // COMMIT or ROLLBACK is the database's. A failed COMMIT may have committed: a retried push finds it stored.
            if let closureError = error.closureError, error.rollbackError == nil {
                if let psql = closureError as? PSQLError, Self.isUnavailable(psql) {
                    throw StorageUnavailable("\(what): \(Self.describe(psql))")
                }
                throw closureError
            }
            let cause = error.beginError ?? error.commitError ?? error.rollbackError ?? error.closureError
            throw StorageUnavailable("\(what): \(cause.map(Self.describe) ?? "the transaction failed")")
        }
    }

    private func runUnwrapped<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = operationTimeout
        do {
            return try await withDeadline(timeout, onTimeout: { StorageUnavailable("\(what) took more than \(timeout)") }, body)
        } catch let error as PSQLError where Self.isUnavailable(error) {
            throw StorageUnavailable("\(what): \(Self.describe(error))")
        } catch let error where String(describing: type(of: error)) == "ConnectionPoolError" {
            // The pool's own errors (no connection could be made, the pool shut down) come from postgres-nio's
            // underscored _ConnectionPoolModule, which this package does not import: matched by name.
            throw StorageUnavailable("\(what): \(error)")
        }
    }

    /// Connection-level failures and the server's "not now" answers, as opposed to an error in what was asked.
    static func isUnavailable(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return error.code != .server }
        // 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown, cannot connect
        // now), 58 system error; 40001/40P01 a serialization failure or deadlock, which a retry clears.
        // 25006: a read-only transaction (the database failed over to a standby that is not promoted yet).
        return ["08", "53", "57", "58"].contains(String(state.prefix(2))) || ["40001", "40P01", "25006"].contains(state)
    }

    /// Checks the database answers, for the readiness endpoint.
    public func ping() async throws {
        try await run("ping") { [client] in
            // A standby answers SELECT 1 but cannot take a push.
            let recovering = try await client.query("SELECT pg_is_in_recovery()").decode(Bool.self).first { _ in true } ?? false
            if recovering { throw StorageUnavailable("the database is a standby in recovery (read-only)") }
            return ()
        }
    }

    public func claimSigningKey(_ publicKey: String, at time: String) async throws -> String {
        try await run("reading the aggregator's identity") { [client] in
            try await client.query("""
                INSERT INTO aggregator_identity(public_key, created_at) VALUES (\(publicKey), \(time)) ON CONFLICT (singleton) DO NOTHING
                """)
            return try await client.query("SELECT public_key FROM aggregator_identity").decode(String.self).first { _ in true } ?? publicKey
        }
    }

    public func entryCount() async throws -> Int {
        try await run("counting entries") { [client] in
            Int(try await client.query("SELECT count(*) FROM entries").decode(Int64.self).first { _ in true } ?? 0)
        }
    }

    // MARK: - Nodes

    static let nodeColumns = """
        id, public_key, enrolled_at, revoked_at, head_seq, head_hash, last_seen_at, clock_skew_seconds, fork_seq, quarantined,
        reported_backlog
        """

    static func nodes(_ rows: PostgresRowSequence) async throws -> [NodeRecord] {
        var out = [NodeRecord]()
        for try await (id, key, enrolled, revoked, headSeq, headHash, seen, skew, fork, held, backlog) in rows.decode(
            (String, String, String, String?, Int64, Data, String?, Double?, Int64?, Int64, Int64?).self)
        {
            out.append(NodeRecord(id: id, publicKey: key, enrolledAt: enrolled, revokedAt: revoked, headSeq: headSeq,
                                  headHash: Hex.encode(headHash), lastSeenAt: seen, clockSkewSeconds: skew, forkSeq: fork,
                                  quarantined: Int(held), reportedBacklog: backlog))
        }
        return out
    }

    public func node(_ id: String) async throws -> NodeRecord? {
        try await run("reading node \(id)") { [client] in
            try await Self.nodes(client.query("SELECT \(unescaped: Self.nodeColumns) FROM nodes WHERE id = \(id)")).first
        }
    }

    public func listNodes() async throws -> [NodeRecord] {
        try await run("listing nodes") { [client] in
            try await Self.nodes(client.query("SELECT \(unescaped: Self.nodeColumns) FROM nodes ORDER BY id"))
        }
    }

    public func addNodes(_ records: [NodeRecord]) async throws {
        try await run("enrolling nodes") { [client, logger] in
            try await client.withTransaction(logger: logger) { db in
                for r in records {
                    if let other = try await db.query("SELECT id FROM nodes WHERE public_key = \(r.publicKey)", logger: logger)
                        .decode(String.self).first(where: { _ in true })
                    {
                        throw AggregatorError(Message(.aggKeyEnrolledForOther, ["node": r.id, "other": other]), hint: Message(.aggKeyEnrolledForOtherHint, ["node": r.id]),
                                              exitCode: 2)
                    }
                    let inserted = try await db.query(
                        "INSERT INTO nodes(id, public_key, enrolled_at, head_seq, head_hash) VALUES (\(r.id), \(r.publicKey), \(r.enrolledAt), 0, \(ChainHash.genesis)) ON CONFLICT (id) DO NOTHING RETURNING id",
                        logger: logger
                    ).decode(String.self).first(where: { _ in true })
                    guard inserted != nil else {
                        throw AggregatorError(Message(.aggAlreadyEnrolled, ["node": r.id]), hint: Message(.aggAlreadyEnrolledHint, ["node": r.id]), exitCode: 2)
                    }
                }
            }
        }
    }

    public func revokeNode(_ id: String, at time: String) async throws -> Bool {
        try await run("revoking \(id)") { [client] in
            try await client.query("UPDATE nodes SET revoked_at = \(time) WHERE id = \(id) AND revoked_at IS NULL RETURNING id")
                .decode(String.self).first(where: { _ in true }) != nil
        }
    }

    public func hashes(node: String, seqs: ClosedRange<Int64>) async throws -> [Int64: Data] {
        try await run("reading hashes of \(node)") { [client] in
            var out = [Int64: Data]()
            let rows = try await client.query(
                "SELECT seq, hash FROM entries WHERE node = \(node) AND seq BETWEEN \(seqs.lowerBound) AND \(seqs.upperBound)")
            for try await (seq, hash) in rows.decode((Int64, Data).self) { out[seq] = hash }
            return out
        }
    }

    public func recordFork(_ fork: ForkRecord) async throws {
        try await run("recording a fork of \(fork.node)") { [client, logger] in
            try await client.withTransaction(logger: logger) { db in
                try await db.query("""
                    INSERT INTO forks(node, seq, stored_hash, offered_hash, offered_bytes, header, detected_at)
                    VALUES (\(fork.node), \(fork.seq), \(fork.storedHash), \(fork.offeredHash), \(fork.offeredBytes), \(fork.header), \(fork.detectedAt))
                    """, logger: logger)
                try await db.query(
                    "UPDATE nodes SET fork_seq = LEAST(COALESCE(fork_seq, \(fork.seq)), \(fork.seq)) WHERE id = \(fork.node)", logger: logger)
            }
        }
    }

    public func entries(node: String, after seq: Int64, limit: Int) async throws -> [(seq: Int64, bytes: Data, hash: Data)] {
        try await run("reading entries of \(node)") { [client] in
            var out = [(seq: Int64, bytes: Data, hash: Data)]()
            let rows = try await client.query(
                "SELECT seq, bytes, hash FROM entries WHERE node = \(node) AND seq > \(seq) ORDER BY seq LIMIT \(Int64(limit))")
            for try await (s, bytes, hash) in rows.decode((Int64, Data, Data).self) { out.append((s, bytes, hash)) }
            return out
        }
    }

    static let entryColumns = "node, seq, bytes, hash, event_id, kind, service, case_id, desa, occurred_at, case_node, provider"

    static func storedEntries(_ rows: PostgresRowSequence) async throws -> [StoredEntry] {
        var out = [StoredEntry]()
        for try await (node, seq, bytes, hash, eventID, kind, service, caseID, desa, occurredAt, caseNode, provider) in rows.decode(
            (String, Int64, Data, Data, String, String, String, String, String?, String, String?, String?).self)
        {
            out.append(StoredEntry(node: node, seq: seq, bytes: bytes, hash: hash, eventID: eventID, kind: kind, service: service,
                                   caseID: caseID, desa: desa, occurredAt: occurredAt, caseNode: caseNode, provider: provider))
        }
        return out
    }

    public func storedEntries(node: String, after seq: Int64, limit: Int) async throws -> [StoredEntry] {
        try await run("reading entries of \(node)") { [client] in
            try await Self.storedEntries(client.query(
                "SELECT \(unescaped: Self.entryColumns) FROM entries WHERE node = \(node) AND seq > \(seq) ORDER BY seq LIMIT \(Int64(limit))"))
        }
    }

    public func batches(node: String) async throws -> [StoredBatch] {
        try await run("reading batches of \(node)") { [client] in
            var out = [StoredBatch]()
            let rows = try await client.query("""
                SELECT node, from_seq, to_seq, prev_hash, last_hash, signature, received_at, clock FROM batches
                WHERE node = \(node) ORDER BY to_seq
                """)
            for try await (n, from, to, prev, last, signature, received, clock) in rows.decode(
                (String, Int64, Int64, String, String, String, String, String?).self)
            {
                out.append(StoredBatch(node: n, fromSeq: from, toSeq: to, prevHash: prev, lastHash: last, signature: signature,
                                       receivedAt: received, clock: clock))
            }
            return out
        }
    }
}
