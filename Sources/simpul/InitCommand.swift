import ArgumentParser
import Foundation
import SimpulCore
import SimpulNode

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Set up this office's node: config, database and key pair; prints the public key to enrol.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "This office's kecamatan code, e.g. 35.07.01 (add -02 for a second node in one office).")
    var nodeId: String?
    @Option(help: "Set up a provider office's node instead: its provider code as events name it, e.g. DISDUKCAPIL.35.07.")
    var provider: String?
    @Flag(help: "Rebuild a node whose PC was lost: a new key pair for the same node id; the first sync pulls its log back from the province.")
    var recover = false
    @Option(help: "The provincial aggregator's URL.")
    var aggregator: String
    @Option(help: "Where the database and keys live.")
    var dataDir: String
    @Option(help: "The provincial pseudonym key file from provincial IT (without it a node-local key is made).")
    var pseudonymKey: String?
    @Option(help: "Where the daemon's control socket lives (default /run/simpul for --data-dir /var/lib/simpul, else the data dir).")
    var runtimeDir: String?
    @Option(help: "The aggregator's receipt-signing public key from provincial IT: pinned now instead of trusted on first use.")
    var aggregatorKey: String?
    @Flag(help: "Accept a node id outside the shipped Kemendagri list.")
    var allowUnknownWilayah = false
    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        try await Output.guarding {
            let path = NodeConfig.path(explicit: global.config)
            let nodeID: String
            switch (nodeId, provider) {
            case (let id?, nil): nodeID = id
            case (nil, let code?):
                guard NodeID.isProviderCode(code) else {
                    throw NodeError(.usage, "--provider '\(code)' is not a provider code", hint: "an upper-case code as referrals name it, e.g. DISDUKCAPIL.35.07")
                }
                nodeID = code
            case (.some, .some): throw NodeError(.usage, "give --node-id or --provider, not both", hint: "a provider node's id is its provider code")
            case (nil, nil): throw NodeError(.usage, "give --node-id (an office) or --provider (a provider office)")
            }
            var config = NodeConfig(nodeID: nodeID, aggregatorURL: aggregator, dataDir: absolute(dataDir))
            config.allowUnknownWilayah = allowUnknownWilayah
            config.daemon.runtimeDir = runtimeDir.map(absolute) ?? NodeConfig.defaultRuntimeDir(dataDir: config.dataDir)
            let result = try NodeSetup.initialize(config: config, configPath: absolute(path), pseudonymKeySource: pseudonymKey, rebuild: recover,
                                                  aggregatorKey: aggregatorKey)
            for warning in result.warnings { Output.note("simpul: warning: \(warning)") }
            if json {
                Output.json(result)
            } else {
                Output.line("Initialised \(result.role) node \(result.nodeID); config \(result.configPath), data \(result.dataDir).")
                if recover {
                    Output.line("New public key (provincial IT gives it to the node with 'nodes rekey'):")
                    Output.line(result.publicKey)
                    Output.note("next: simpul-aggregator nodes rekey \(result.nodeID) --public-key \(result.publicKey); then 'simpul sync now' pulls this node's log back")
                } else {
                    Output.line("Public key (enrol it on the aggregator):")
                    Output.line(result.publicKey)
                    Output.note("next: simpul-aggregator nodes add \(result.nodeID) --public-key \(result.publicKey)")
                }
            }
        }
    }
}

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}
