import ArgumentParser
import SimpulCore
import SimpulNode

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: tr(.helpLog), subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: tr(.helpLogVerify))

        @OptionGroup var global: GlobalOptions
        @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false

        func run() async throws {
            try await Output.guarding(json: json) {
                let config = try Output.loadConfig(global)
                let context = try NodeContext.open(config: config)
                let result = try context.store.verify(node: config.nodeID)
                if json { Output.json(result) }
                guard result.ok else {
                    throw NodeError(.corruptLog, Message(.logVerifyFailed, ["seq": result.firstBadSeq ?? 0, "problem": result.problem ?? ""]),
                                    hint: Message(.logVerifyFailedHint, ["path": config.databasePath]))
                }
                if !json {
                    Output.line(tr(.logOK, ["entries": result.entries, "head": result.headSeq, "hash": result.headHash]))
                }
            }
        }
    }
}
