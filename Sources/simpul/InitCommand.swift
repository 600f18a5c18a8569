import ArgumentParser
import Foundation
import SimpulCore
import SimpulNode

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: tr(.helpInit))

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
    @Flag(help: ArgumentHelp(tr(.jsonHelp)))
    var json = false

    func run() async throws {
        try await Output.guarding(json: json) {
            let path = NodeConfig.path(explicit: global.config)
            let nodeID: String
            switch (nodeId, provider) {
            case (let id?, nil): nodeID = id
            case (nil, let code?):
                guard NodeID.isProviderCode(code) else {
                    throw NodeError(.usage, Message(.providerNotCode, ["code": code]), hint: Message(.providerNotCodeHint))
                }
                nodeID = code
            case (.some, .some): throw NodeError(.usage, Message(.nodeIdAndProvider), hint: Message(.nodeIdAndProviderHint))
            case (nil, nil): throw NodeError(.usage, Message(.nodeIdMissing))
            }
            var config = NodeConfig(nodeID: nodeID, aggregatorURL: aggregator, dataDir: absolute(dataDir))
            config.allowUnknownWilayah = allowUnknownWilayah
            config.daemon.runtimeDir = runtimeDir.map(absolute) ?? NodeConfig.defaultRuntimeDir(dataDir: config.dataDir)
            let result = try NodeSetup.initialize(config: config, configPath: absolute(path), pseudonymKeySource: pseudonymKey, rebuild: recover,
                                                  aggregatorKey: aggregatorKey)
            for warning in result.warningMessages { Output.note("simpul: \(tr(.warningLabel)): \(warning.text())") }
            if json {
                Output.json(result)
            } else {
                Output.line(tr(.initDone, ["role": tr(result.role == "provider" ? .roleProvider : .roleOffice), "node": result.nodeID,
                                             "config": result.configPath, "data": result.dataDir]))
                if recover {
                    Output.line(tr(.initNewPublicKey))
                    Output.line(result.publicKey)
                    Output.note(tr(.initNextRekey, ["node": result.nodeID, "key": result.publicKey]))
                } else {
                    Output.line(tr(.initPublicKey))
                    Output.line(result.publicKey)
                    Output.note(tr(.initNextEnrol, ["node": result.nodeID, "key": result.publicKey]))
                }
            }
        }
    }
}

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}
