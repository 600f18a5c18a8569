import SimpulCore
import Testing

@Suite("Settings")
struct SettingsTests {
    static let known: Set<String> = ["node_id", "allow_unknown_wilayah", "sync.interval_seconds", "sync.ca_file"]

    static func settings(_ toml: String, env: [String: String] = [:]) throws(ConfigError) -> Settings {
        try Settings(toml: toml, source: "/etc/simpul/node.toml", environment: env, knownKeys: known)
    }

    @Test("values come from the file, with defaults for what it leaves out")
    func fileThenDefaults() throws {
        let s = try Self.settings("node_id = \"35.07.01\"\n[sync]\ninterval_seconds = 60\n")
        #expect(try s.string("node_id", default: "") == "35.07.01")
        #expect(try s.int("sync.interval_seconds", default: 300, range: 5...86_400) == 60)
        #expect(try s.bool("allow_unknown_wilayah", default: false) == false)
        #expect(try s.string("sync.ca_file", default: "none") == "none")
        #expect(s.origin(of: "sync.interval_seconds") == "/etc/simpul/node.toml")
        #expect(s.origin(of: "sync.ca_file") == nil)
    }

    @Test("a value of the wrong type names the key and the value")
    func badType() throws {
        let s = try Self.settings("[sync]\ninterval_seconds = \"soon\"\n")
        let error = try #require(throws: ConfigError.self) { try s.int("sync.interval_seconds", default: 300, range: 5...86_400) }
        #expect(error.key == "sync.interval_seconds")
        #expect(error.value == "soon")
        #expect(error.description.contains("sync.interval_seconds"))
        let b = try Self.settings("allow_unknown_wilayah = 1\n")
        let boolError = try #require(throws: ConfigError.self) { try b.bool("allow_unknown_wilayah", default: false) }
        #expect(boolError.key == "allow_unknown_wilayah")
    }

    @Test("an out-of-range value names the key, the value and the range")
    func outOfRange() throws {
        let s = try Self.settings("[sync]\ninterval_seconds = 2\n")
        let error = try #require(throws: ConfigError.self) { try s.int("sync.interval_seconds", default: 300, range: 5...86_400) }
        #expect(error.key == "sync.interval_seconds")
        #expect(error.value == "2")
        #expect(error.reason.contains("5") && error.reason.contains("86400"))
    }

    @Test("an unknown key is refused by name, at any depth", arguments: [
        ("node_idd = \"x\"\n", "node_idd"),
        ("[sync]\nintervall_seconds = 60\n", "sync.intervall_seconds"),
        ("[synk]\ninterval_seconds = 60\n", "synk.interval_seconds"),
    ])
    func unknownKey(toml: String, key: String) throws {
        let error = try #require(throws: ConfigError.self) { try Self.settings(toml) }
        #expect(error.key == key)
        #expect(error.description.contains(key))
    }

    @Test("a file that is not TOML is refused with its line")
    func notTOML() throws {
        let error = try #require(throws: ConfigError.self) { try Self.settings("node_id = \"35.07.01\"\n[sync\n") }
        #expect(error.key == "(file)")
        #expect(error.source.contains("line 2"))
    }

    @Test("SIMPUL_SYNC_INTERVAL_SECONDS wins over the file")
    func environmentWins() throws {
        let s = try Self.settings("[sync]\ninterval_seconds = 60\n", env: ["SIMPUL_SYNC_INTERVAL_SECONDS": "120"])
        #expect(try s.int("sync.interval_seconds", default: 300, range: 5...86_400) == 120)
        #expect(s.origin(of: "sync.interval_seconds") == "environment SIMPUL_SYNC_INTERVAL_SECONDS")
        let bool = try Self.settings("allow_unknown_wilayah = false\n", env: ["SIMPUL_ALLOW_UNKNOWN_WILAYAH": "true"])
        #expect(try bool.bool("allow_unknown_wilayah", default: false) == true)
    }

    @Test("a bad environment value names the key and the variable")
    func badEnvironmentValue() throws {
        let s = try Self.settings("[sync]\ninterval_seconds = 60\n", env: ["SIMPUL_SYNC_INTERVAL_SECONDS": "2m"])
        let error = try #require(throws: ConfigError.self) { try s.int("sync.interval_seconds", default: 300, range: 5...86_400) }
        #expect(error.key == "sync.interval_seconds")
        #expect(error.value == "2m")
        #expect(error.source == "environment SIMPUL_SYNC_INTERVAL_SECONDS")
    }
}

@Suite("Settings value types")
struct SettingsTypeTests {
    @Test("a number or boolean where text is expected is refused, naming the key")
    func textSettingRefusesOtherTypes() throws {
        let s = try Settings(toml: "catalogue_file = 5\n[daemon]\nruntime_dir = true\n", source: "node.toml", knownKeys: ["catalogue_file", "daemon.runtime_dir"])
        #expect(throws: ConfigError.self) { try s.string("catalogue_file", default: "") }
        do { _ = try s.string("daemon.runtime_dir", default: "") } catch {
            #expect(error.key == "daemon.runtime_dir")
            #expect(error.reason.contains("string"))
        }
    }
}
