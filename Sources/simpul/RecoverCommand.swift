import ArgumentParser
import Foundation
import SimpulCore
import SimpulNode
import Logging

struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "After a fork (a node restored from an old backup that then recorded): adopt the province's log, re-append this node's other events after it.",
        discussion: """
            The province's log is the truth up to its head. Local entries that differ from it are kept as evidence
            (listed with --evidence), their events that the province lacks are appended again after its head with the
            same event ids, and the aggregator is told, so it accepts this node again. Run 'simpul sync now' after it.
            Stop the daemon first (systemctl stop simpul): recover takes the sync lock.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Only list the evidence kept by earlier recovers.") var evidence = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        try await Output.guarding {
            let config = try Output.loadConfig(global)
            let context = try NodeContext.open(config: config)
            if evidence {
                let rows = try context.store.forkEvidence()
                if json {
                    return Output.json(rows.map { EvidenceRow(seq: $0.seq, eventID: $0.eventID, reappendedSeq: $0.reappendedSeq, recoveredAt: $0.recoveredAt) })
                }
                Output.line("OLD SEQ\tEVENT\tRE-APPENDED AS\tRECOVERED AT")
                for r in rows { Output.line("\(r.seq)\t\(r.eventID)\t\(r.reappendedSeq.map { "seq \($0)" } ?? "(the province has it)")\t\(r.recoveredAt)") }
                return
            }
            let keys = try NodeKeys.load(config)
            let engine = SyncEngine(context: context, signingKey: keys.signing, transport: CurlTransport(config: config.sync),
                                    logger: Logger(label: "simpul"))
            let report = try await engine.recover()
            if json { return Output.json(report) }
            if let diverged = report.divergedAt {
                Output.line("this node's log parted from the province's at seq \(diverged)")
                Output.line("adopted the province's seq \(report.adoptedFrom ?? 0)-\(report.adoptedThrough ?? 0) (\(report.adopted) entries)")
                Output.line("re-appended \(report.reappended.count) local event(s) the province lacked, now seq "
                    + (report.reappended.isEmpty ? "-" : "\(report.reappended[0].newSeq)-\(report.reappended[report.reappended.count - 1].newSeq)"))
                Output.line("kept \(report.evidence.count) replaced local entr\(report.evidence.count == 1 ? "y" : "ies") as evidence ('simpul recover --evidence')")
            } else if report.adopted > 0 {
                Output.line("no fork: pulled \(report.adopted) entries this node lacked from the province")
            } else {
                Output.line("no fork: this node's log already matches the province's")
            }
            Output.line("log head seq \(report.headSeq); the aggregator \(report.aggregatorResolved ? "accepts this node again" : "still marks it forked")")
            Output.note("next: simpul sync now")
        }
    }
}

/// `recover --evidence --json` rows.
struct EvidenceRow: Encodable {
    var seq: Int64
    var eventID: String
    var reappendedSeq: Int64?
    var recoveredAt: String

    enum CodingKeys: String, CodingKey {
        case seq
        case eventID = "event_id"
        case reappendedSeq = "reappended_seq"
        case recoveredAt = "recovered_at"
    }
}
