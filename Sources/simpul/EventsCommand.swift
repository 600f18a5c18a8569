import ArgumentParser
import Foundation
import SimpulCore
import SimpulNode

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: tr(.helpEvents))

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("case"), help: ArgumentHelp(tr(.optCaseOnly))) var caseID: String?
    @Option(help: ArgumentHelp(tr(.optSince))) var since: String?
    @Option(help: ArgumentHelp(tr(.optLimit))) var limit: Int?
    @Flag(help: ArgumentHelp(tr(.jsonArrayHelp))) var json = false

    func run() async throws {
        try await Output.guarding(json: json) {
            let config = try Output.loadConfig(global)
            let context = try NodeContext.open(config: config)
            var sinceDate: Date?
            if let since {
                guard let parsed = RFC3339.parse(since) else {
                    throw NodeError(.usage, Message(.sinceInvalid, ["value": since]), hint: Message(.sinceInvalidHint))
                }
                sinceDate = parsed.date
            }
            let events = try context.store.events(caseID: caseID, since: sinceDate, limit: limit)
            if json {
                Output.json(events)
                return
            }
            for r in events {
                let e = r.event
                var line = "\(r.seq)\t\(e.occurredAt)\t\(e.kind.rawValue)\t\(e.service)\tcase \(e.caseID)"
                if let desa = e.desa { line += "\tdesa \(desa)" }
                if let provider = e.provider { line += "\t-> \(provider)" }
                if let reason = e.reason { line += "\treason \(reason)" }
                if let subject = e.subject { line += "\tsubject \(subject.prefix(12))… \(e.subjectSex ?? "") \(e.subjectAgeBand ?? "")" }
                Output.line(line)
            }
        }
    }
}
