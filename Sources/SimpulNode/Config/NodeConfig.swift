import Foundation
import SimpulCore

/// The node's configuration (`/etc/simpul/node.toml`), loaded defaults -> file -> environment (`SIMPUL_*`).
public struct NodeConfig: Sendable, Equatable {
    public var nodeID: String
    public var aggregatorURL: String
    public var dataDir: String
    /// Empty: `<data_dir>/pseudonym.key`.
    public var pseudonymKeyFile: String = ""
    /// Empty: the built-in catalogue.
    public var catalogueFile: String = ""
    public var allowUnknownWilayah = false
    public var sync = Sync()
    public var daemon = Daemon()

    /// How and when the node pushes.
    public struct Sync: Sendable, Equatable {
        public var intervalSeconds = 300
        public var debounceSeconds = 5
        public var backoffMaxSeconds = 900
        public var batchMaxEntries = 1000
        public var batchMaxBytes = 512 * 1024
        public var connectTimeoutSeconds = 10
        public var requestTimeoutSeconds = 120
        public var lowSpeedLimitBytes = 100
        public var lowSpeedTimeSeconds = 20
        public var caFile = ""
        /// 1: most of gzip's saving on repetitive JSON at a quarter of level 6's CPU.
        public var gzipLevel = 1
        public init() {}
    }

    /// The daemon's local endpoints.
    public struct Daemon: Sendable, Equatable {
        /// Empty: `$RUNTIME_DIRECTORY` (set by systemd), else the data directory.
        public var runtimeDir = ""
        /// The local recording API for front-desk applications; empty disables it.
        public var apiListen = "127.0.0.1:8731"
        /// Browser origins allowed to call the local API (a front-desk web application), e.g.
        /// `http://localhost:3000`; any other request carrying an `Origin` is refused.
        public var apiAllowedOrigins: [String] = []
        public init() {}
    }

    public init(nodeID: String, aggregatorURL: String, dataDir: String) {
        self.nodeID = nodeID
        self.aggregatorURL = aggregatorURL
        self.dataDir = dataDir
    }

    public var databasePath: String { dataDir + "/node.db" }
    public var privateKeyPath: String { dataDir + "/node.key" }
    public var publicKeyPath: String { dataDir + "/node.pub" }
    public var syncLockPath: String { dataDir + "/sync.lock" }
    /// The local API's bearer token (made at `init`, rotated with `simpul api-token --rotate`).
    public var apiTokenPath: String { dataDir + "/api.token" }
    public var resolvedPseudonymKeyFile: String { pseudonymKeyFile.isEmpty ? dataDir + "/pseudonym.key" : pseudonymKeyFile }

    /// Where the control socket lives: `daemon.runtime_dir`; else `$RUNTIME_DIRECTORY` (set by systemd for the
    /// service); else `/run/simpul` when a daemon's socket is there (the CLI run by an operator outside the
    /// unit); else the data directory.
    public func runtimeDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if !daemon.runtimeDir.isEmpty { return daemon.runtimeDir }
        if let dir = environment["RUNTIME_DIRECTORY"], !dir.isEmpty { return dir.split(separator: ":").first.map(String.init) ?? dir }
        if FileManager.default.fileExists(atPath: Self.systemRuntimeDir + "/control.sock") { return Self.systemRuntimeDir }
        return dataDir
    }

    /// The runtime directory systemd makes for the unit (`RuntimeDirectory=simpul`).
    public static let systemRuntimeDir = "/run/simpul"

    /// The runtime directory `init` writes into a new config: `/run/simpul` for a system install, else the data directory.
    public static func defaultRuntimeDir(dataDir: String) -> String {
        dataDir == "/var/lib/simpul" ? systemRuntimeDir : dataDir
    }

    public func controlSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        runtimeDirectory(environment: environment) + "/control.sock"
    }

    /// The config file path: `--config`, else `$SIMPUL_CONFIG`, else `/etc/simpul/node.toml`.
    public static func path(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnv = environment["SIMPUL_CONFIG"], !fromEnv.isEmpty { return fromEnv }
        return "/etc/simpul/node.toml"
    }

    static let knownKeys: Set<String> = [
        "version", "node_id", "aggregator", "data_dir", "pseudonym_key_file", "catalogue_file", "allow_unknown_wilayah",
        "sync.interval_seconds", "sync.debounce_seconds", "sync.backoff_max_seconds", "sync.batch_max_entries",
        "sync.batch_max_bytes", "sync.connect_timeout_seconds", "sync.request_timeout_seconds",
        "sync.low_speed_limit_bytes", "sync.low_speed_time_seconds", "sync.ca_file", "sync.gzip_level",
        "daemon.runtime_dir", "daemon.api_listen", "daemon.api_allowed_origins",
    ]

    /// Reads and validates the config file.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(NodeError) -> NodeConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw NodeError(
                .notInitialized, Message(exists ? .configUnreadable : .configMissing, ["path": path]),
                hint: exists ? Message(.configUnreadableHint) : Message(.configMissingHint, ["path": path]))
        }
        do {
            return try parse(toml: String(decoding: data, as: UTF8.self), source: path, environment: environment)
        } catch {
            throw NodeError(.config, Message(.configInvalid, ["error": "\(error)"]), hint: Message(.configInvalidHint, ["path": path]))
        }
    }

    public static func parse(toml: String, source: String, environment: [String: String] = [:]) throws(ConfigError) -> NodeConfig {
        let s = try Settings(toml: toml, source: source, environment: environment, knownKeys: knownKeys)
        let version = try s.int("version", default: 1, range: 1...1000)
        guard version == 1 else {
            throw ConfigError(key: "version", value: String(version), source: source, reason: "this simpul reads config version 1")
        }
        var config = NodeConfig(
            nodeID: try s.string("node_id", default: ""), aggregatorURL: try s.string("aggregator", default: ""),
            dataDir: try s.string("data_dir", default: "/var/lib/simpul"))
        config.pseudonymKeyFile = try s.string("pseudonym_key_file", default: "")
        config.catalogueFile = try s.string("catalogue_file", default: "")
        config.allowUnknownWilayah = try s.bool("allow_unknown_wilayah", default: false)
        config.sync.intervalSeconds = try s.int("sync.interval_seconds", default: 300, range: 5...86_400)
        config.sync.debounceSeconds = try s.int("sync.debounce_seconds", default: 5, range: 0...3600)
        config.sync.backoffMaxSeconds = try s.int("sync.backoff_max_seconds", default: 900, range: 1...86_400)
        config.sync.batchMaxEntries = try s.int("sync.batch_max_entries", default: 1000, range: 1...100_000)
        config.sync.batchMaxBytes = try s.int("sync.batch_max_bytes", default: 512 * 1024, range: 4096...(64 << 20))
        config.sync.connectTimeoutSeconds = try s.int("sync.connect_timeout_seconds", default: 10, range: 1...300)
        config.sync.requestTimeoutSeconds = try s.int("sync.request_timeout_seconds", default: 120, range: 1...3600)
        config.sync.lowSpeedLimitBytes = try s.int("sync.low_speed_limit_bytes", default: 100, range: 1...(1 << 30))
        config.sync.lowSpeedTimeSeconds = try s.int("sync.low_speed_time_seconds", default: 20, range: 1...3600)
        config.sync.caFile = try s.string("sync.ca_file", default: "")
        config.sync.gzipLevel = try s.int("sync.gzip_level", default: 1, range: 0...9)
        config.daemon.runtimeDir = try s.string("daemon.runtime_dir", default: "")
        config.daemon.apiListen = try s.string("daemon.api_listen", default: "127.0.0.1:8731")
        let origins = try s.string("daemon.api_allowed_origins", default: "")
        config.daemon.apiAllowedOrigins = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for origin in config.daemon.apiAllowedOrigins {
            guard let url = URL(string: origin), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil,
                  url.path.isEmpty, url.query == nil, origin == origin.lowercased()
            else {
                throw ConfigError(key: "daemon.api_allowed_origins", value: origin, source: source,
                                  reason: "each origin is scheme://host[:port] in lower case, no path (e.g. http://localhost:3000), comma-separated")
            }
        }
        try config.validate(source: source)
        return config
    }

    /// Checks the values that need more than a type: names the key, the value and the reason.
    public func validate(source: String = "config") throws(ConfigError) {
        do {
            try NodeID.validate(nodeID, allowUnknown: allowUnknownWilayah)
        } catch {
            throw ConfigError(key: "node_id", value: nodeID, source: source, reason: error.reason)
        }
        guard aggregatorURL.hasPrefix("http://") || aggregatorURL.hasPrefix("https://"), URL(string: aggregatorURL)?.host != nil else {
            throw ConfigError(key: "aggregator", value: aggregatorURL, source: source,
                              reason: "must be an http:// or https:// URL, e.g. https://simpul.jatim.example")
        }
        guard dataDir.hasPrefix("/") else {
            throw ConfigError(key: "data_dir", value: dataDir, source: source, reason: "must be an absolute path")
        }
        if !daemon.apiListen.isEmpty {
            guard let address = HostPort(daemon.apiListen) else {
                throw ConfigError(key: "daemon.api_listen", value: daemon.apiListen, source: source,
                                  reason: "must be HOST:PORT (e.g. 127.0.0.1:8731) or empty to disable")
            }
            guard address.host.hasPrefix("127.") || address.host == "localhost" else {
                throw ConfigError(key: "daemon.api_listen", value: daemon.apiListen, source: source,
                                  reason: "must be a loopback address (127.x.x.x): the local API serves this PC only")
            }
        }
    }

    /// The commented TOML `init` writes.
    public func rendered() -> String {
        """
        # Simpul node configuration. Every key can be overridden by an environment variable:
        # SIMPUL_ + the key in upper case with dots as underscores (e.g. SIMPUL_SYNC_INTERVAL_SECONDS).
        version = 1

        # This office's kecamatan code (Kemendagri), with -NN for a second node in one office.
        node_id = "\(nodeID)"
        # The provincial aggregator.
        aggregator = "\(aggregatorURL)"
        # Database (node.db), keys (node.key 0600, node.pub) and the pseudonym key live here.
        data_dir = "\(dataDir)"
        # The provincial pseudonym key (HMAC key for NIKs). Empty: <data_dir>/pseudonym.key.
        pseudonym_key_file = "\(pseudonymKeyFile)"
        # A province's own service catalogue (CSV: code,name,category,target_days). Empty: built-in.
        catalogue_file = "\(catalogueFile)"
        # Accept desa codes outside the shipped Kemendagri list.
        allow_unknown_wilayah = \(allowUnknownWilayah)

        [sync]
        # The daemon pushes every interval (with jitter), soon after new events, and on 'simpul sync now'.
        interval_seconds = \(sync.intervalSeconds)
        debounce_seconds = \(sync.debounceSeconds)
        # While the aggregator is unreachable, retries back off exponentially up to this.
        backoff_max_seconds = \(sync.backoffMaxSeconds)
        # One push carries at most this many entries / uncompressed bytes.
        batch_max_entries = \(sync.batchMaxEntries)
        batch_max_bytes = \(sync.batchMaxBytes)
        connect_timeout_seconds = \(sync.connectTimeoutSeconds)
        request_timeout_seconds = \(sync.requestTimeoutSeconds)
        # A transfer slower than low_speed_limit_bytes/s for low_speed_time_seconds is aborted.
        low_speed_limit_bytes = \(sync.lowSpeedLimitBytes)
        low_speed_time_seconds = \(sync.lowSpeedTimeSeconds)
        # Extra CA bundle for the aggregator's TLS certificate (verification is always on).
        ca_file = "\(sync.caFile)"
        # gzip level for push bodies (0 = off, 1 = fast, 9 = smallest).
        gzip_level = \(sync.gzipLevel)

        [daemon]
        # Where the control socket lives. Empty: $RUNTIME_DIRECTORY (systemd), else data_dir.
        runtime_dir = "\(daemon.runtimeDir)"
        # Local recording API for front-desk applications (HTTP, loopback only). Empty disables it.
        api_listen = "\(daemon.apiListen)"
        # Browser origins (scheme://host[:port], comma-separated) allowed to call the local API. Empty: none; a request
        # from any web page is refused. Every request needs the token in api.token (see 'simpul api-token').
        api_allowed_origins = "\(daemon.apiAllowedOrigins.joined(separator: ","))"

        """
    }
}

/// `HOST:PORT`, as in listen addresses.
public struct HostPort: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port), colon != text.startIndex
        else { return nil }
        host = String(text[..<colon])
        self.port = port
    }
}
