import ArgumentParser
import Foundation
import SimpulAggregator
import SimpulCore

struct CasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases",
        abstract: tr(.aggHelpCases))

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp(tr(.optOfficeNode))) var node: String?
    @Option(name: .customLong("case"), help: ArgumentHelp(tr(.optCaseIDOnly))) var caseID: String?
    @Flag(help: ArgumentHelp(tr(.optOpen))) var open = false
    @Flag(help: ArgumentHelp(tr(.optOverdue))) var overdue = false
    @Flag(help: ArgumentHelp(tr(.jsonArrayHelp))) var json = false

    func run() async throws {
        try await Output.guarding(json: json) {
            let config = try global.load()
            let admin = try await AggregatorAdmin(config: config)
            let catalogue = try config.rules().catalogue
            var cases = CaseFold.foldAll(try await admin.storage.caseEvents(caseNode: node), catalogue: catalogue, now: Date())
            if let caseID { cases = cases.filter { $0.caseID == caseID } }
            if open { cases = cases.filter(\.isOpen) }
            if overdue { cases = cases.filter(\.overdue) }
            if json { return Output.json(cases) }
            Output.line(tr(.aggCasesHeader))
            for c in cases {
                Output.line("\(c.caseNode)\t\(c.caseID)\t\(c.service)\t\(c.state)\t\(c.provider ?? "-")\t\(c.waitedDays.map { String($0) } ?? "-")\t\(c.targetDays.map { "\($0)" } ?? "-")\t\(c.overdue ? tr(.aggYes) : "")")
            }
        }
    }
}
