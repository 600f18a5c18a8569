import ArgumentParser
import SimpulCore
import Foundation
import SimpulAggregator

/// `quarantine list|recheck`: the entries stored and acknowledged whose events fail this aggregator's rules.
struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: tr(.aggHelpQuarantine),
        subcommands: [List.self, Recheck.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: tr(.aggHelpQuarantineList))

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp(tr(.optNodeEntries))) var node: String?
        @Flag(help: ArgumentHelp(tr(.jsonArrayHelp))) var json = false

        func run() async throws {
            try await Output.guarding(json: json) {
                let admin = try await AggregatorAdmin(config: global.load())
                let held = try await admin.storage.quarantined(node: node)
                if json { return Output.json(held) }
                if held.isEmpty { return Output.line(node.map { tr(.aggQuarantineEmptyForNode, ["node": $0]) } ?? tr(.aggQuarantineEmpty)) }
                Output.line(tr(.aggQuarantineHeader))
                for q in held { Output.line("\(q.node)\t\(q.seq)\t\(q.eventID)\t\(q.field)\t\(q.quarantinedAt)\t\(q.reason)") }
                Output.note(tr(.aggQuarantineNote))
            }
        }
    }

    struct Recheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: tr(.aggHelpQuarantineRecheck))

        @OptionGroup var global: GlobalOptions
        @Flag(help: ArgumentHelp(tr(.optRecheckJSON))) var json = false

        func run() async throws {
            try await Output.guarding(json: json) {
                let config = try global.load()
                let admin = try await AggregatorAdmin(config: config)
                let result = try await QuarantineRecheck(storage: admin.storage, rules: config.rules()).run(now: Date())
                if json { return Output.json(result) }
                Output.line(tr(result.released == 1 ? .aggReleasedOne : .aggReleasedMany, ["released": result.released, "held": result.held]))
                if result.held > 0 { Output.note(tr(.aggSeeWhy)) }
            }
        }
    }
}
