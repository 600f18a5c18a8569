import ArgumentParser
import Foundation
import SimpulCore
import SimpulNode

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: tr(.helpInit))

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp(tr(.optNodeIDInit)))
    var nodeId: String?
    @Option(help: ArgumentHelp(tr(.optProvider)))
    var provider: String?
    @Flag(help: ArgumentHelp(tr(.optRecover)))
    var recover = false
    @Option(help: ArgumentHelp(tr(.optAggregatorURL)))
    var aggregator: String
    @Option(help: ArgumentHelp(tr(.optDataDirNode)))
    var dataDir: String
    @Option(help: ArgumentHelp(tr(.optPseudonymKey)))
    var pseudonymKey: String?
    @Option(help: ArgumentHelp(tr(.optRuntimeDir)))
    var runtimeDir: String?
    @Option(help: ArgumentHelp(tr(.optAggregatorKey)))
    var aggregatorKey: String?
    @Flag(help: ArgumentHelp(tr(.optAllowUnknownWilayah)))
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
