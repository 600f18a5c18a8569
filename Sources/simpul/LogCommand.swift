import ArgumentParser
import SimpulNode

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Inspect the node's change log.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-check every hash from seq 1 and every event against its entry; names the first bad seq.")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            try await Output.guarding {
                let config = try Output.loadConfig(global)
                let context = try NodeContext.open(config: config)
                let result = try context.store.verify(node: config.nodeID)
                if json { Output.json(result) }
                guard result.ok else {
                    throw NodeError(
                        .corruptLog, "log verification failed at seq \(result.firstBadSeq ?? 0): \(result.problem ?? "")",
                        hint: "the log in \(config.databasePath) was altered or damaged after it was written. Keep the file for inspection, "
                            + "and restore the node from its last good backup ('simpul backup'; see docs/operations.md)")
                }
                if !json {
                    Output.line("log ok: \(result.entries) entries, seq 1-\(result.headSeq), head hash \(result.headHash)")
                }
            }
        }
    }
}
