import ArgumentParser
import SimpulCore
import SimpulNode

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: tr(.helpStatus))

    @OptionGroup var global: GlobalOptions
    @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false

    func run() async throws {
        try await Output.guarding(json: json) {
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
            Self.printText(report, config: config)
        }
    }

    /// The report for a person, in their language; labels padded to one column.
    static func printText(_ report: NodeStatusReport, config: NodeConfig) {
        let labels: [MessageKey] = [.statusNode, .statusPublicKey, .statusAggregator, .statusRole, .statusWarning, .statusAction, .statusLogHead,
                                    .statusAcked, .statusLastSync, .statusFeed, .statusRules, .statusLastError, .statusHint,
                                    .statusQuarantined, .statusReceipt, .statusDaemon]
        let width = max(12, labels.map { tr($0).count + 1 }.max() ?? 12)
        func row(_ label: MessageKey, _ value: String) {
            let text = tr(label)
            Output.line(text + String(repeating: " ", count: max(1, width - text.count)) + value)
        }
        let never = tr(.statusNever)
        row(.statusNode, report.nodeID + (report.kecamatan.map { " (\($0))" } ?? ""))
        row(.statusPublicKey, report.publicKey)
        row(.statusAggregator, report.aggregator)
        row(.statusRole, tr(report.role == "provider" ? .roleProvider : .roleOffice))
        // The daemon's warnings are English; the same warning made here from the config is in the reader's language.
        let warnings = (report.warnings ?? []).map { $0 == config.plainHTTPWarning ? config.plainHTTPWarningMessage?.text() ?? $0 : $0 }
        for warning in warnings { row(.statusWarning, warning) }
        if report.rebuildPending { row(.statusAction, tr(.statusRebuilding)) }
        row(.statusLogHead, tr(.statusSeq, ["seq": report.headSeq]))
        row(.statusAcked, tr(.statusAckedValue, ["seq": report.ackedSeq, "backlog": report.backlog]))
        row(.statusLastSync, report.lastSyncAt ?? never)
        row(.statusFeed, tr(.statusFeedValue, ["cursor": report.feedCursor, "moved": report.feedMovedAt ?? never, "read": report.feedPulledAt ?? never]))
        row(.statusRules, report.rulesVersion)
        if let error = report.lastError {
            // The message is shown translated only while it is the one stored with the English text (an older
            // binary that ran in between writes the text alone).
            row(.statusLastError, report.lastErrorMessage.flatMap { $0.english == error ? $0.text() : nil } ?? error)
            if report.syncBlocked { row(.statusAction, tr(.statusBlocked)) }
            if let hint = report.lastErrorHint {
                row(.statusHint, report.lastErrorHintMessage.flatMap { $0.english == hint ? $0.text() : nil } ?? hint)
            }
        }
        if report.quarantined > 0 {
            row(.statusQuarantined, tr(report.quarantined == 1 ? .statusQuarantinedOne : .statusQuarantinedMany,
                                       ["count": report.quarantined, "reason": report.quarantineReason ?? ""]))
            Output.line(String(repeating: " ", count: width) + tr(.statusQuarantinedNote))
        }
        if let receipt = report.receipt {
            row(.statusReceipt, tr(.statusReceiptValue, ["seq": receipt.seq, "hash": receipt.hash.prefix(16), "issued": receipt.issuedAt])
                + tr(receipt.isValidlySigned ? .statusSignatureOK : .statusSignatureInvalid))
        }
        row(.statusDaemon, tr(report.daemon == "running" ? .statusRunning : .statusStopped))
    }
}
