import ArgumentParser
import SimpulCore

/// `simpul`: the kecamatan office node. Records service events locally and syncs them to the province.
@main
struct Simpul: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simpul",
        abstract: tr(.helpSimpul),
        version: BuildInfo.version,
        subcommands: [
            InitCommand.self, RecordCommand.self, StatusCommand.self, SyncCommand.self, EventsCommand.self, LogCommand.self,
            DaemonCommand.self, BackupCommand.self, CasesCommand.self, RecoverCommand.self, ApiTokenCommand.self,
        ]
    )
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(tr(.configOptionHelp)))
    var config: String?
}
