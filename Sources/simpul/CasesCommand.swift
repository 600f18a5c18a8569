import ArgumentParser
import Foundation
import SimpulCore
import SimpulNode

struct CasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases",
        abstract: tr(.helpCases),
        discussion: tr(.discCases))

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("case"), help: ArgumentHelp(tr(.optCaseIDOnly))) var caseID: String?
    @Flag(help: ArgumentHelp(tr(.optOpen))) var open = false
    @Flag(help: ArgumentHelp(tr(.optOverdue))) var overdue = false
    @Flag(help: ArgumentHelp(tr(.jsonArrayHelp))) var json = false

    func run() async throws {
        try await Output.guarding(json: json) {
            let config = try Output.loadConfig(global)
            let listing = CaseListing(context: try NodeContext.open(config: config))
            let cases = try listing.cases(.init(caseID: caseID, openOnly: open, overdueOnly: overdue))
            if json { return Output.json(cases) }
            if let caseID, cases.isEmpty {
                return Output.note(tr(.noCase, ["case": caseID]))
            }
            Output.line(tr(.casesHeader))
            for c in cases {
                let waited = c.waitedDays.map { String(format: "%.1fd", $0) } ?? "-"
                var flags = c.overdue ? [tr(.flagOverdue)] : []
                if !c.anomalies.isEmpty { flags.append(tr(c.anomalies.count == 1 ? .anomalyOne : .anomalyMany, ["count": c.anomalies.count])) }
                Output.line("\(c.caseID)\t\(c.caseNode)\t\(c.service)\t\(c.state)\t\(c.provider ?? "-")\t\(waited)\t\(c.targetDays.map { "\($0)d" } ?? "-")\t\(flags.joined(separator: ", "))")
                if caseID != nil {
                    for step in c.events {
                        Output.line("  \(step.occurredAt)  \(step.node) #\(step.seq)  \(step.kind)\(step.superseded ? tr(.superseded) : "")"
                            + (step.outcome.map { " outcome=\($0)" } ?? "") + (step.reason.map { " reason=\($0)" } ?? ""))
                    }
                    for anomaly in c.anomalies { Output.line("  ! \(anomaly)") }
                }
            }
        }
    }
}
