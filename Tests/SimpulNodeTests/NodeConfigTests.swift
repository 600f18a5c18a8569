import Foundation
import SimpulCore
import SimpulNode
import Testing

@Suite("Node configuration")
struct NodeConfigTests {
    static let minimal = """
        node_id = "35.07.01"
        aggregator = "https://simpul.jatimprov.go.id"
        data_dir = "/var/lib/simpul"

        """

    @Test("a minimal file gives the defaults")
    func minimalFile() throws {
        let config = try NodeConfig.parse(toml: Self.minimal, source: "node.toml")
        #expect(config.nodeID == "35.07.01")
        #expect(config.sync.intervalSeconds == 300)
        #expect(config.databasePath == "/var/lib/simpul/node.db")
        #expect(config.resolvedPseudonymKeyFile == "/var/lib/simpul/pseudonym.key")
    }

    @Test("a bad setting is refused with an error naming its key", arguments: [
        ("node_id = \"35.07.99\"", "node_id"),
        ("node_id = \"35.07.01-00\"", "node_id"),
        ("aggregator = \"ftp://simpul.example\"", "aggregator"),
        ("data_dir = \"var/lib/simpul\"", "data_dir"),
        ("allow_unknown_wilayah = \"yes\"", "allow_unknown_wilayah"),
        ("version = 2", "version"),
        ("colour = \"blue\"", "colour"),
        ("[sync]\ninterval_seconds = 1", "sync.interval_seconds"),
        ("[sync]\ninterval_seconds = \"5m\"", "sync.interval_seconds"),
        ("[sync]\ninterval_seconds = 2.5", "sync.interval_seconds"),
        ("[sync]\ngzip_level = 10", "sync.gzip_level"),
        ("[sync]\nbatch_max_bytes = 10", "sync.batch_max_bytes"),
        ("[sync]\ninterval = 60", "sync.interval"),
        ("[daemon]\napi_listen = \"localhost\"", "daemon.api_listen"),
        ("catalogue_file = 5", "catalogue_file"),  // a number where a path belongs
        ("[daemon]\nruntime_dir = true", "daemon.runtime_dir"),
    ])
    func badSettingNamesKey(line: String, key: String) throws {
        // Later assignments of the same top-level key are invalid TOML, so the bad line replaces the good one.
        let topKey = line.split(separator: " ").first.map(String.init) ?? ""
        let base = Self.minimal.split(separator: "\n").filter { !$0.hasPrefix(topKey + " ") }.joined(separator: "\n")
        let toml = base + "\n" + line + "\n"
        let error = try #require(throws: ConfigError.self) { try NodeConfig.parse(toml: toml, source: "node.toml") }
        #expect(error.key == key)
        #expect(error.description.contains("'\(key)'"))
        #expect(error.source == "node.toml")
    }

    @Test("SIMPUL_SYNC_INTERVAL_SECONDS wins over the file, and other keys can come from the environment")
    func environmentOverrides() throws {
        let toml = Self.minimal + "\n[sync]\ninterval_seconds = 60\n"
        let config = try NodeConfig.parse(
            toml: toml, source: "node.toml",
            environment: ["SIMPUL_SYNC_INTERVAL_SECONDS": "120", "SIMPUL_NODE_ID": "35.07.02", "SIMPUL_DAEMON_API_LISTEN": ""])
        #expect(config.sync.intervalSeconds == 120)
        #expect(config.nodeID == "35.07.02")
        #expect(config.daemon.apiListen == "")
        #expect(try NodeConfig.parse(toml: toml, source: "node.toml").sync.intervalSeconds == 60)
    }

    @Test("a bad environment value names the key and the variable")
    func badEnvironmentValue() throws {
        let error = try #require(throws: ConfigError.self) {
            try NodeConfig.parse(toml: Self.minimal, source: "node.toml", environment: ["SIMPUL_SYNC_INTERVAL_SECONDS": "1"])
        }
        #expect(error.key == "sync.interval_seconds")
        #expect(error.source.contains("SIMPUL_SYNC_INTERVAL_SECONDS"))
    }

    @Test("the config init writes reads back as the same config")
    func renderedRoundTrips() throws {
        var config = NodeConfig(nodeID: "35.07.01-02", aggregatorURL: "https://simpul.jatimprov.go.id", dataDir: "/srv/simpul")
        config.allowUnknownWilayah = true
        config.sync.intervalSeconds = 77
        config.sync.caFile = "/etc/ssl/prov.pem"
        config.daemon.apiListen = ""
        #expect(try NodeConfig.parse(toml: config.rendered(), source: "node.toml") == config)
    }

    @Test("loading a bad file names the file and the key in a config error (exit 2)")
    func loadNamesKey() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("simpul-config-\(UUID().uuidString).toml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data((Self.minimal + "\n[sync]\nbatch_max_entries = 0\n").utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: NodeError.self) { try NodeConfig.load(path: path, environment: [:]) }
        #expect(error.code == .config)
        #expect(error.exitCode == 2)
        #expect(error.message.contains("sync.batch_max_entries"))
        #expect(error.message.contains(path))
    }

    @Test("init refuses to overwrite an existing node")
    func initRefusesOverwrite() throws {
        try withTestNode { node in
            let error = try #require(throws: NodeError.self) {
                try NodeSetup.initialize(config: node.config, configPath: node.configPath, pseudonymKeySource: nil)
            }
            #expect(error.code == .alreadyInitialized)
            let attributes = try FileManager.default.attributesOfItem(atPath: node.config.privateKeyPath)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        }
    }
}
