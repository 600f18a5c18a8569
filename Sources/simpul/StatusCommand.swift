import ArgumentParser
import SimpulNode

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the node's log head, what the aggregator acknowledged, and the last sync.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the status as JSON.") var json = false

    func run() async throws {
        try await Output.guarding {
            let config = try Output.loadConfig(global)
            let report: NodeStatusReport
            if let fromDaemon = try await ControlClient(config: config).requestStatus() {
                report = fromDaemon
            } else {
                report = try NodeStatusReport.read(NodeContext.open(config: config), daemonRunning: false)
            }
            if json {
                Output.json(report)
                return
            }
            Output.line("node        \(report.nodeID)\(report.kecamatan.map { " (\($0))" } ?? "")")
            Output.line("public key  \(report.publicKey)")
            Output.line("aggregator  \(report.aggregator)")
            Output.line("role        \(report.role)")
            for warning in report.warnings ?? [] { Output.line("WARNING     \(warning)") }
            if report.rebuildPending {
                Output.line("ACTION      rebuilding from the province: recording waits until 'simpul sync now' pulls this node's log back")
            }
            Output.line("log head    seq \(report.headSeq)")
            Output.line("acked       seq \(report.ackedSeq) (backlog \(report.backlog))")
            Output.line("last sync   \(report.lastSyncAt ?? "never")")
            Output.line("feed        cursor \(report.feedCursor), last moved \(report.feedMovedAt ?? "never"), last read \(report.feedPulledAt ?? "never")")
            Output.line("rules       \(report.rulesVersion)")
            if let error = report.lastError {
                Output.line("last error  \(error)")
                if report.syncBlocked { Output.line("ACTION      sync is refused until a person acts; retrying will not help") }
                if let hint = report.lastErrorHint { Output.line("hint        \(hint)") }
            }
            if report.quarantined > 0 {
                Output.line("quarantined \(report.quarantined) entr\(report.quarantined == 1 ? "y" : "ies") held by the aggregator (stored, not counted): "
                    + (report.quarantineReason ?? ""))
                Output.line("            provincial IT sees them with 'simpul-aggregator quarantine list'; nothing to do on this PC")
            }
            if let receipt = report.receipt {
                Output.line("receipt     seq \(receipt.seq) hash \(receipt.hash.prefix(16))... issued \(receipt.issuedAt)"
                    + (receipt.isValidlySigned ? " (signature ok)" : " (SIGNATURE INVALID)"))
            }
            Output.line("daemon      \(report.daemon)")
        }
    }
}
