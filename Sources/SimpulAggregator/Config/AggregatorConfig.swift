import Foundation
import SimpulCore

/// The aggregator's configuration (`/etc/simpul/aggregator.toml`), defaults -> file -> `SIMPUL_AGGREGATOR_*`.
public struct AggregatorConfig: Sendable, Equatable {
    public var listen = "127.0.0.1:8080"
    public var dataDir: String
    public var catalogueFile = ""
    public var allowUnknownWilayah = false
    /// Enrol node ids that are not kecamatan codes of the shipped list (tests, pilots outside it).
    public var allowUnknownNodeIDs = false
    public var limits = Limits()
    /// The sync interval the feed gives every node, in seconds (0: each node keeps its own).
    public var nodeSyncIntervalSeconds = 0
    /// A connection that is between requests this long is closed (idle keep-alives, half-sent heads); 0: never.
    public var idleTimeoutSeconds = 30
    /// Each request has this long from its head to its last body byte, else its connection is closed.
    public var requestTimeoutSeconds = 120
    /// Connections served at once; more wait in the listen backlog until one closes.
    public var maxConnections = 512
    /// A PostgreSQL URL (`postgres://USER@HOST:PORT/DB`) for several replicas on one database; empty: SQLite in `data_dir`.
    public var database = ""
    /// Connections each replica keeps to PostgreSQL at most.
    public var databasePoolSize = 10
    /// The dashboard's read token; empty: the dashboard is open to whoever reaches `listen`.
    public var dashboardToken = ""
    /// Whether this server keeps the figures up to date (`FigureUpdater`). Replicas on one PostgreSQL take turns, so
    /// one or all may; false leaves it to the others (or, on one server, freezes the dashboard's figures).
    public var updateFigures = true

    public init(dataDir: String) {
        self.dataDir = dataDir
    }

    public var databasePath: String { dataDir + "/aggregator.db" }
    /// Where the data is, for logs and messages (a PostgreSQL URL without its password).
    public var databaseDescription: String {
        database.isEmpty ? databasePath : (try? PostgresURL(database).redacted) ?? "(an unusable database URL)"
    }
    public var signingKeyPath: String { dataDir + "/aggregator.key" }

    public static func path(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnv = environment["SIMPUL_AGGREGATOR_CONFIG"], !fromEnv.isEmpty { return fromEnv }
        return "/etc/simpul/aggregator.toml"
    }

    static let knownKeys: Set<String> = [
        "version", "listen", "data_dir", "catalogue_file", "allow_unknown_wilayah", "allow_unknown_node_ids",
        "node_sync_interval_seconds", "idle_timeout_seconds", "request_timeout_seconds", "max_connections",
        "database", "database_pool_size", "dashboard_token", "update_figures",
        "limits.max_body_bytes", "limits.max_decompressed_bytes", "limits.max_entries", "limits.max_entry_bytes",
    ]

    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(AggregatorError) -> AggregatorConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AggregatorError(Message(.aggConfigMissing, ["path": path]), hint: Message(.aggConfigMissingHint, ["path": path]))
        }
        do {
            return try parse(toml: String(decoding: data, as: UTF8.self), source: path, environment: environment)
        } catch {
            throw AggregatorError(Message(.configInvalid, ["error": "\(error)"]), hint: Message(.aggConfigInvalidHint, ["path": path]), exitCode: 2)
        }
    }

    public static func parse(toml: String, source: String, environment: [String: String] = [:]) throws(ConfigError) -> AggregatorConfig {
        let s = try Settings(toml: toml, source: source, environment: environment, prefix: "SIMPUL_AGGREGATOR_", knownKeys: knownKeys)
        guard try s.int("version", default: 1, range: 1...1000) == 1 else {
            throw ConfigError(key: "version", value: nil, source: source, reason: "this simpul-aggregator reads config version 1")
        }
        var config = AggregatorConfig(dataDir: try s.string("data_dir", default: "/var/lib/simpul-aggregator"))
        config.listen = try s.string("listen", default: "127.0.0.1:8080")
        config.catalogueFile = try s.string("catalogue_file", default: "")
        config.allowUnknownWilayah = try s.bool("allow_unknown_wilayah", default: false)
        config.allowUnknownNodeIDs = try s.bool("allow_unknown_node_ids", default: false)
        config.nodeSyncIntervalSeconds = try s.int("node_sync_interval_seconds", default: 0, range: 0...86_400)
        config.idleTimeoutSeconds = try s.int("idle_timeout_seconds", default: 30, range: 0...3600)
        config.requestTimeoutSeconds = try s.int("request_timeout_seconds", default: 120, range: 1...3600)
        config.maxConnections = try s.int("max_connections", default: 512, range: 1...1_000_000)
        config.database = try s.string("database", default: "")
        config.databasePoolSize = try s.int("database_pool_size", default: 10, range: 1...1000)
        config.dashboardToken = try s.string("dashboard_token", default: "")
        config.updateFigures = try s.bool("update_figures", default: true)
        guard config.dashboardToken.isEmpty || DashboardAccess.isTokenShaped(config.dashboardToken) else {
            throw ConfigError(key: "dashboard_token", value: nil, source: source,
                              reason: "must be 16-128 letters, digits, '-' or '_' (e.g. from: openssl rand -hex 24); empty for an open dashboard")
        }
        if !config.database.isEmpty {
            do { _ = try PostgresURL(config.database, environment: environment) } catch {
                throw ConfigError(key: "database", value: nil, source: source, reason: error.message)
            }
        }
        guard config.nodeSyncIntervalSeconds == 0 || config.nodeSyncIntervalSeconds >= 5 else {
            throw ConfigError(key: "node_sync_interval_seconds", value: String(config.nodeSyncIntervalSeconds), source: source,
                              reason: "must be 0 (each node keeps its own) or 5-86400 seconds, the range a node accepts")
        }
        config.limits.maxBodyBytes = try s.int("limits.max_body_bytes", default: config.limits.maxBodyBytes, range: SimpulProtocol.minBodyBytes...(1 << 30))
        config.limits.maxDecompressedBytes = try s.int(
            "limits.max_decompressed_bytes", default: config.limits.maxDecompressedBytes, range: SimpulProtocol.minBodyBytes...(1 << 30))
        config.limits.maxEntries = try s.int("limits.max_entries", default: config.limits.maxEntries, range: SimpulProtocol.minBatchEntries...1_000_000)
        config.limits.maxEntryBytes = try s.int("limits.max_entry_bytes", default: config.limits.maxEntryBytes, range: SimpulProtocol.maxEntryBytes...(1 << 20))
        guard config.dataDir.hasPrefix("/") else {
            throw ConfigError(key: "data_dir", value: config.dataDir, source: source, reason: "must be an absolute path")
        }
        guard ListenAddress(config.listen) != nil else {
            throw ConfigError(key: "listen", value: config.listen, source: source, reason: "must be HOST:PORT, e.g. 0.0.0.0:8080")
        }
        return config
    }

    /// The catalogue and wilayah rules every ingested event is checked against.
    public func rules() throws(AggregatorError) -> EventRules {
        EventRules(catalogue: try catalogue().parsed, allowUnknownWilayah: allowUnknownWilayah)
    }

    /// The rules every node's feed carries: the same catalogue, wilayah setting and limits ingest uses.
    public func rulesDocument() throws(AggregatorError) -> RulesDocument {
        RulesDocument(catalogueCSV: try catalogue().csv, allowUnknownWilayah: allowUnknownWilayah, limits: limits,
                      syncIntervalSeconds: nodeSyncIntervalSeconds > 0 ? nodeSyncIntervalSeconds : nil)
    }

    private func catalogue() throws(AggregatorError) -> (csv: String, parsed: ServiceCatalogue) {
        guard !catalogueFile.isEmpty else { return (RulesDocument.shipped.catalogueCSV, .shipped) }
        guard let data = FileManager.default.contents(atPath: catalogueFile) else {
            throw AggregatorError(Message(.catalogueUnreadable, ["path": catalogueFile]), hint: Message(.aggCatalogueUnreadableHint))
        }
        let csv = String(decoding: data, as: UTF8.self)
        do { return (csv, try ServiceCatalogue(csv: csv, source: catalogueFile)) } catch {
            throw AggregatorError(Message(.catalogueInvalid, ["path": catalogueFile, "reason": error.reason]))
        }
    }

    public func rendered() -> String {
        """
        # Simpul aggregator configuration. Override any key with SIMPUL_AGGREGATOR_ + the key in upper case,
        # dots as underscores (e.g. SIMPUL_AGGREGATOR_LISTEN=0.0.0.0:8080).
        version = 1

        # Address the HTTP API listens on (put TLS in front of it: a reverse proxy, or a load balancer).
        listen = "\(listen)"
        # The aggregator's receipt-signing key (aggregator.key; every replica has the same one), and the SQLite
        # database (aggregator.db) unless `database` names PostgreSQL.
        data_dir = "\(dataDir)"
        # PostgreSQL for several replicas on one database: postgres://USER@HOST:PORT/DB[?sslmode=disable|prefer|require]
        # (password from PGPASSWORD, or the environment: SIMPUL_AGGREGATOR_DATABASE). Empty: SQLite in data_dir.
        database = "\(database)"
        # Connections this replica keeps to PostgreSQL at most.
        database_pool_size = \(databasePoolSize)
        # A province's own service catalogue (CSV). Empty: built-in. Must list every service nodes record.
        catalogue_file = "\(catalogueFile)"
        allow_unknown_wilayah = \(allowUnknownWilayah)
        # Enrol node ids that are not kecamatan codes of the shipped Kemendagri list.
        allow_unknown_node_ids = \(allowUnknownNodeIDs)
        # The sync interval (seconds, 5-86400) every node's feed sets; 0: each node keeps its own sync.interval_seconds.
        node_sync_interval_seconds = \(nodeSyncIntervalSeconds)
        # A connection between requests (idle, or a request head only half sent) is closed after this many
        # seconds; 0: never.
        idle_timeout_seconds = \(idleTimeoutSeconds)
        # Each request has this many seconds from its head to its last body byte, else its connection is closed.
        request_timeout_seconds = \(requestTimeoutSeconds)
        # Connections served at once; more wait in the listen backlog until one closes.
        max_connections = \(maxConnections)

        [limits]
        # One push: compressed body, decompressed body, entries, and one entry's bytes.
        max_body_bytes = \(limits.maxBodyBytes)
        max_decompressed_bytes = \(limits.maxDecompressedBytes)
        max_entries = \(limits.maxEntries)
        max_entry_bytes = \(limits.maxEntryBytes)

        """
    }
}

/// `HOST:PORT` to listen on.
public struct ListenAddress: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
              let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        host = String(text[..<colon])
        self.port = port
    }
}

/// An operator-facing aggregator failure: what happened, what to do, and the exit status for the CLI.
public struct AggregatorError: Error, Sendable, CustomStringConvertible {
    /// What happened, as a catalogue message: rendered in the reader's language by the command line.
    public var text: Message
    public var hintText: Message?
    public var exitCode: Int32

    public init(_ text: Message, hint: Message? = nil, exitCode: Int32 = 1) {
        self.text = text
        self.hintText = hint
        self.exitCode = exitCode
    }

    /// Text outside the catalogue: shown as it is in every language.
    public init(_ message: String, hint: String? = nil, exitCode: Int32 = 1) {
        self.init(.verbatim(message), hint: hint.map(Message.verbatim), exitCode: exitCode)
    }

    /// The English message: what logs and HTTP problem bodies carry.
    public var message: String { text.english }
    public var hint: String? { hintText?.english }

    public var description: String { message + (hint.map { "\nhint: \($0)" } ?? "") }
}
