import ArgumentParser
import Foundation
import SimpulNode

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Set up this office's node: config, database and key pair; prints the public key to enrol.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "This office's kecamatan code, e.g. 35.07.01 (add -02 for a second node in one office).")
    var nodeId: String
    @Option(help: "The provincial aggregator's URL.")
    var aggregator: String
    @Option(help: "Where the database and keys live.")
    var dataDir: String
    @Option(help: "The provincial pseudonym key file from provincial IT (without it a node-local key is made).")
    var pseudonymKey: String?
    @Option(help: "Where the daemon's control socket lives (default /run/simpul for --data-dir /var/lib/simpul, else the data dir).")
    var runtimeDir: String?
    @Flag(help: "Accept a node id outside the shipped Kemendagri list.")
    var allowUnknownWilayah = false
    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        try await Output.guarding {
            let path = NodeConfig.path(explicit: global.config)
            var config = NodeConfig(nodeID: nodeId, aggregatorURL: aggregator, dataDir: absolute(dataDir))
            config.allowUnknownWilayah = allowUnknownWilayah
            config.daemon.runtimeDir = runtimeDir.map(absolute) ?? NodeConfig.defaultRuntimeDir(dataDir: config.dataDir)
            let result = try NodeSetup.initialize(config: config, configPath: absolute(path), pseudonymKeySource: pseudonymKey)
            for warning in result.warnings { Output.note("simpul: warning: \(warning)") }
            if json {
                Output.json(result)
            } else {
                Output.line("Initialised node \(result.nodeID); config \(result.configPath), data \(result.dataDir).")
                Output.line("Public key (enrol it on the aggregator):")
                Output.line(result.publicKey)
                Output.note("next: simpul-aggregator nodes add \(result.nodeID) --public-key \(result.publicKey)")
            }
        }
    }
}

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}
