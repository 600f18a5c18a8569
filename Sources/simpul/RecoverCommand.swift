import ArgumentParser
import Foundation
import SimpulCore
import SimpulNode
import Logging

struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: tr(.helpRecover),
        discussion: tr(.discRecover))

    @OptionGroup var global: GlobalOptions
    @Flag(help: ArgumentHelp(tr(.optEvidence))) var evidence = false
    @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false

    func run() async throws {
        try await Output.guarding(json: json) {
            let config = try Output.loadConfig(global)
            let context = try NodeContext.open(config: config)
            if evidence {
                let rows = try context.store.forkEvidence()
                if json {
                    return Output.json(rows.map { EvidenceRow(seq: $0.seq, eventID: $0.eventID, reappendedSeq: $0.reappendedSeq, recoveredAt: $0.recoveredAt) })
                }
                Output.line(tr(.evidenceHeader))
                for r in rows { Output.line("\(r.seq)\t\(r.eventID)\t\(r.reappendedSeq.map { "seq \($0)" } ?? tr(.evidenceProvinceHasIt))\t\(r.recoveredAt)") }
                return
            }
            let keys = try NodeKeys.load(config)
            let engine = SyncEngine(context: context, signingKey: keys.signing, transport: CurlTransport(config: config.sync),
                                    logger: Logger(label: "simpul"))
            let report = try await engine.recover()
            if json { return Output.json(report) }
            if let diverged = report.divergedAt {
                Output.line(tr(.recoverDiverged, ["seq": diverged]))
                Output.line(tr(.recoverAdopted, ["from": report.adoptedFrom ?? 0, "to": report.adoptedThrough ?? 0, "count": report.adopted]))
                let range = report.reappended.isEmpty ? "-" : "\(report.reappended[0].newSeq)-\(report.reappended[report.reappended.count - 1].newSeq)"
                Output.line(tr(.recoverReappended, ["count": report.reappended.count, "range": range]))
                Output.line(tr(report.evidence.count == 1 ? .recoverEvidenceOne : .recoverEvidenceMany, ["count": report.evidence.count]))
            } else if report.adopted > 0 {
                Output.line(tr(.recoverNoForkPulled, ["count": report.adopted]))
            } else {
                Output.line(tr(.recoverNoForkMatches))
            }
            Output.line(tr(report.aggregatorResolved ? .recoverHeadAccepted : .recoverHeadForked, ["seq": report.headSeq]))
            Output.note(tr(.nextStep, ["step": "simpul sync now"]))
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
