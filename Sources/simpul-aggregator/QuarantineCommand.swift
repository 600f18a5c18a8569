import ArgumentParser
import Foundation
import SimpulAggregator

/// `quarantine list|recheck`: the entries stored and acknowledged whose events fail this aggregator's rules.
struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Entries stored but held aside because their events fail the rules; list them, or release those that now pass.",
        subcommands: [List.self, Recheck.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List held entries: node, seq, event id, field, reason, quarantined at.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this node's entries.") var node: String?
        @Flag(help: "Print one JSON array.") var json = false

        func run() async throws {
            try await Output.guarding {
                let admin = try await AggregatorAdmin(config: global.load())
                let held = try await admin.storage.quarantined(node: node)
                if json { return Output.json(held) }
                if held.isEmpty { return Output.line("no entries held in quarantine\(node.map { " for node \($0)" } ?? "")") }
                Output.line("NODE\tSEQ\tEVENT\tFIELD\tQUARANTINED AT\tREASON")
                for q in held { Output.line("\(q.node)\t\(q.seq)\t\(q.eventID)\t\(q.field)\t\(q.quarantinedAt)\t\(q.reason)") }
                Output.note("after changing the rules (catalogue_file, allow_unknown_wilayah), run 'simpul-aggregator quarantine recheck'")
            }
        }
    }

    struct Recheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-run the config's current rules over every held entry and release those that now pass.")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print the result as JSON (released, held).") var json = false

        func run() async throws {
            try await Output.guarding {
                let config = try global.load()
                let admin = try await AggregatorAdmin(config: config)
                let result = try await QuarantineRecheck(storage: admin.storage, rules: config.rules()).run(now: Date())
                if json { return Output.json(result) }
                Output.line("released \(result.released) entr\(result.released == 1 ? "y" : "ies"); \(result.held) still held")
                if result.held > 0 { Output.note("see why: simpul-aggregator quarantine list") }
            }
        }
    }
}
