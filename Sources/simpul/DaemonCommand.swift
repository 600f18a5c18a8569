import ArgumentParser
import SimpulCore
import Logging
import SimpulNode
import SimpulSystemd

struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon", abstract: tr(.helpDaemon))

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp(tr(.optLogLevel))) var logLevel: String = "info"

    func run() async throws {
        try await Output.guarding {
            let config = try Output.loadConfig(global)
            let level = Logger.Level(rawValue: logLevel) ?? .info
            LoggingSystem.bootstrap { LineLogHandler(label: $0, level: level) }
            try await NodeDaemon.run(config: config, logger: Logger(label: "simpul"))
        }
    }
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: tr(.helpBackup))

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp(tr(.optBackupDir))) var destination: String
    @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false

    func run() async throws {
        try await Output.guarding(json: json) {
            let path = NodeConfig.path(explicit: global.config)
            let config = try NodeConfig.load(path: path)
            let target = absolute(destination)
            let written = try NodeBackup.run(config: config, configPath: path, destination: target)
            if json { return Output.json(BackupResult(destination: target, files: written)) }
            for file in written { Output.line(file) }
            Output.note(tr(.backupDone))
        }
    }
}

/// `backup --json` output: the directory and every file written into it.
struct BackupResult: Encodable {
    var destination: String
    var files: [String]
}
