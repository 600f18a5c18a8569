import ArgumentParser
import SimpulCore
import Foundation
import Logging
import SimpulAggregator
import SimpulSystemd
import Synchronization

/// `simpul-aggregator`: the provincial server that receives, verifies and stores every node's log.
@main
struct SimpulAggregatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simpul-aggregator",
        abstract: tr(.aggHelpRoot),
        version: BuildInfo.version,
        subcommands: [InitCommand.self, ServeCommand.self, NodesCommand.self, EventsCommand.self, VerifyCommand.self, QuarantineCommand.self,
                      CasesCommand.self, ExportCommand.self, MigrateCommand.self])
}

struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp(tr(.aggregatorConfigOptionHelp)))
    var config: String?

    func load() throws -> AggregatorConfig {
        try AggregatorConfig.load(path: AggregatorConfig.path(explicit: config))
    }
}

/// Printing for the CLI: one JSON document on stdout for `--json`, messages and errors on stderr.
enum Output {
    static func json<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(value) {
            printedJSON.withLock { $0 = true }
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    /// Set once a JSON document is on stdout: a failure after it (`verify`'s results) prints no second one.
    private static let printedJSON = Mutex(false)

    static func line(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
    static func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

    /// An expected failure becomes a message and an exit status, never a stack trace. Messages are in the operator's
    /// language (`Language.current`): `simpul-aggregator: error:` / `hint:`, or `simpul-aggregator: galat:` / `petunjuk:`.
    /// With `json`, the failure is also one JSON problem on stdout (`CommandProblem`), unless the command already
    /// printed its result document there.
    static func guarding(json: Bool = false, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as AggregatorError {
            if json && !printedJSON.withLock({ $0 }) { Output.json(error.problem) }
            note("simpul-aggregator: \(tr(.errorLabel)): \(error.text.text())")
            if let hint = error.hintText { note("\(tr(.hintLabel)): \(hint.text())") }
            throw ExitCode(error.exitCode)
        }
    }
}

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: tr(.aggHelpInit))

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp(tr(.optDataDirAggregator))) var dataDir: String
    @Option(help: ArgumentHelp(tr(.optListen))) var listen: String?
    @Flag(help: ArgumentHelp(tr(.optAllowUnknownNodeIDs))) var allowUnknownNodeIds = false
    @Option(help: ArgumentHelp(tr(.optDatabase)))
    var database: String?
    @Option(help: ArgumentHelp(tr(.optSigningKeyFile)))
    var signingKey: String?
    @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false

    func run() async throws {
        try await Output.guarding(json: json) {
            var config = AggregatorConfig(dataDir: absolute(dataDir))
            if let listen {
                guard ListenAddress(listen) != nil else { throw AggregatorError(Message(.aggListenOptionInvalid, ["listen": listen]), exitCode: 2) }
                config.listen = listen
            }
            config.allowUnknownNodeIDs = allowUnknownNodeIds
            if let database {
                _ = try PostgresURL(database)
                config.database = database
            }
            let path = absolute(AggregatorConfig.path(explicit: global.config))
            let key = try await AggregatorAdmin.initialize(config: config, configPath: path, signingKeyFile: signingKey.map(absolute))
            if json {
                return Output.json(["config": path, "data_dir": config.dataDir, "database": config.databaseDescription, "public_key": key])
            }
            Output.line(tr(.aggInitDone, ["config": path, "data": config.dataDir, "database": config.databaseDescription]))
            Output.line(tr(.aggReceiptKey, ["key": key]))
            Output.note(tr(.nextStep, ["step": "simpul-aggregator serve --config \(path)"]))
        }
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: tr(.aggHelpServe))

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp(tr(.optListenOverride))) var listen: String?
    @Option(help: ArgumentHelp(tr(.optLogLevel))) var logLevel: String = "info"

    func run() async throws {
        try await Output.guarding {
            var config = try global.load()
            if let listen {
                guard ListenAddress(listen) != nil else { throw AggregatorError(Message(.aggListenOptionInvalid, ["listen": listen]), exitCode: 2) }
                config.listen = listen
            }
            let level = Logger.Level(rawValue: logLevel) ?? .info
            LoggingSystem.bootstrap { LineLogHandler(label: $0, level: level) }
            try await AggregatorServer.run(config: config, logger: Logger(label: "simpul-aggregator"))
        }
    }
}
