import ArgumentParser
import SimpulCore

/// `simpul`: the kecamatan office node. Records service events locally and syncs them to the province.
@main
struct Simpul: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simpul",
        abstract: "Record public-service events offline and sync them to the provincial aggregator.",
        version: BuildInfo.version,
        subcommands: [
            InitCommand.self, RecordCommand.self, StatusCommand.self, SyncCommand.self, EventsCommand.self, LogCommand.self,
            DaemonCommand.self, BackupCommand.self, CasesCommand.self, RecoverCommand.self, ApiTokenCommand.self,
        ]
    )
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The node config (default: $SIMPUL_CONFIG, else /etc/simpul/node.toml).")
    var config: String?
}
