import Foundation
import SimpulAggregator
import SimpulCore
import Testing

/// The province's figures from the fold of each case, on fixtures whose figures are worked out by hand: corrections
/// applied, a node with a wrong clock, two offices numbering cases alike, a kecamatan in WITA, and a case folded
/// again as its events arrive (its old figure taken out of the sums, its new one added).
@Suite struct FigureFoldTests {
    static let office = "35.07.01"
    static let provider = "DISDUKCAPIL.35.07"

    static func event(_ kind: EventKind, node: String = office, caseNode: String = office, caseID: String = "K1", seq: Int64, hlc: Int64,
                      at: String, desa: String = "35.07.01.2001", service: String = "ADM.KTPEL", provider: String? = nil,
                      reason: String? = nil, supersedes: String? = nil) -> CaseEvent {
        var attrs = [String: JSONValue]()
        if node != caseNode { attrs[Event.caseNodeAttr] = .string(caseNode) }
        let id = String(format: "0190a000-0000-7000-8000-%012d", hlc + (caseNode == office ? 0 : 1_000_000))
        let e = Event(id: id, kind: kind, caseID: caseID, service: service, desa: kind.opensCase ? desa : nil,
                      channel: kind.opensCase ? .counter : nil, provider: provider, reason: reason, occurredAt: at,
                      attrs: attrs.isEmpty ? nil : attrs, supersedes: supersedes)
        return CaseEvent(node: node, seq: seq, hlc: hlc, event: e)
    }

    static func key(_ caseNode: String = office, _ caseID: String = "K1") -> CaseKey { CaseKey(caseNode: caseNode, caseID: caseID) }

    static func figure(_ events: [CaseEvent]) throws -> CaseFigure {
        let view = try #require(CaseFold.fold(events, catalogue: .shipped, now: Date()))
        return try #require(CaseFigure(view))
    }

    @Test("received 1 Mar 09:00, referred 10:00, answered 5 Mar 10:00, completed 6 Mar 10:00 WIB: 60 min, 4 days, 5 days 1 h; within 14 days")
    func aReferredCaseHasItsThreeTimes() throws {
        let f = try Self.figure([
            Self.event(.requestReceived, seq: 1, hlc: 10, at: "2026-03-01T09:00:00+07:00"),
            Self.event(.requestReferred, seq: 2, hlc: 20, at: "2026-03-01T10:00:00+07:00", provider: Self.provider),
            Self.event(.providerResponded, node: Self.provider, seq: 1, hlc: 30, at: "2026-03-05T10:00:00+07:00", provider: Self.provider),
            Self.event(.requestCompleted, seq: 3, hlc: 40, at: "2026-03-06T10:00:00+07:00"),
        ])
        #expect(f.minutesToReferral == 60)
        #expect(f.minutesToResponse == Int64(4 * 1440))
        #expect(f.minutesToClose == Int64(5 * 1440 + 60))
        #expect(f.closedWithinTarget == true && f.responseDueDay == nil && !f.isOpen && !f.timeAnomaly)
        #expect(f.kecamatan == "35.07.01" && f.month == "2026-03" && LocalZone.dayText(f.openedDay) == "2026-03-01")
        let counts = FigureCounts(f)
        #expect(counts.received == 1 && counts.referred == 1 && counts.responded == 1 && counts.completed == 1 && counts.open == 0)
        #expect(counts.targetMeasured == 1 && counts.withinTarget == 1 && counts.flagged == 0)
    }

    @Test("handed over after the provider's answer counts as delivered; cancelled counts as closed without an outcome")
    func handedOverIsDeliveredCancelledIsNot() throws {
        let received = Self.event(.requestReceived, seq: 1, hlc: 10, at: "2026-03-01T09:00:00+07:00")
        let handed = FigureCounts(try Self.figure([received, Self.event(.requestHandedOver, seq: 2, hlc: 20, at: "2026-03-03T09:00:00+07:00")]))
        #expect(handed.completed == 1 && handed.otherClosed == 0 && handed.closeMinutes == 2 * 1440 && handed.withinTarget == 1)
        let cancelled = FigureCounts(try Self.figure([received, Self.event(.requestCancelled, seq: 2, hlc: 20, at: "2026-03-02T09:00:00+07:00",
                                                                            reason: "citizen_withdrew")]))
        #expect(cancelled.completed == 0 && cancelled.otherClosed == 1 && cancelled.closeCount == 0 && cancelled.open == 0)
    }

    @Test("a same-day letter closed the next local day misses its 1-day target only after that day ends")
    func targetsCountLocalCalendarDays() throws {
        // PATEN.NP.SKTM: 1 day. Received 1 Mar 16:00 WIB, completed 2 Mar 23:59 WIB: within (end of day 1 after).
        let within = try Self.figure([
            Self.event(.requestReceived, seq: 1, hlc: 10, at: "2026-03-01T16:00:00+07:00", service: "PATEN.NP.SKTM"),
            Self.event(.requestCompleted, seq: 2, hlc: 20, at: "2026-03-02T23:59:00+07:00", service: "PATEN.NP.SKTM"),
        ])
        #expect(within.closedWithinTarget == true)
        // The same instant written by a node in UTC: the local day is what counts, not the offset it was written with.
        let late = try Self.figure([
            Self.event(.requestReceived, seq: 1, hlc: 10, at: "2026-03-01T16:00:00+07:00", service: "PATEN.NP.SKTM"),
            Self.event(.requestCompleted, seq: 2, hlc: 20, at: "2026-03-02T17:01:00Z", service: "PATEN.NP.SKTM"),
        ])
        #expect(late.closedWithinTarget == false, "17:01 UTC on 2 March is 00:01 on 3 March in WIB")
    }

    @Test("a correction moves the case to the corrected service, and out of the wrong one's sums")
    func correctionsApply() throws {
        let received = Self.event(.requestReceived, seq: 1, hlc: 10, at: "2026-03-01T09:00:00+07:00", service: "ADM.KK")
        let fixed = Self.event(.eventCorrected, seq: 2, hlc: 20, at: "2026-03-01T09:05:00+07:00", service: "ADM.KIA",
                               supersedes: received.event.id)
        let first = FigureChanges.fold(FigureBatch(events: [Self.key(): [received]], previous: [:]))
        let before = try #require(first.figures.first)
        #expect(before.service == "ADM.KK")
        let second = FigureChanges.fold(FigureBatch(events: [Self.key(): [received, fixed]], previous: [Self.key(): before]))
        #expect(second.figures.first?.service == "ADM.KIA")
        let kk = FigureSumKey(kecamatan: "35.07.01", service: "ADM.KK", month: "2026-03")
        let kia = FigureSumKey(kecamatan: "35.07.01", service: "ADM.KIA", month: "2026-03")
        #expect(second.sums[kk]?.received == -1 && second.sums[kk]?.open == -1, "taken out of the service it was recorded under")
        #expect(second.sums[kia]?.received == 1 && second.sums[kia]?.open == 1)
        // Applied in turn, the sums hold the case once, under the corrected service.
        var total = [FigureSumKey: FigureCounts]()
        for change in [first, second] { for (k, v) in change.sums { total[k, default: FigureCounts()] += v } }
        #expect(total[kk]?.isZero == true && total[kia]?.received == 1)
    }

    @Test("a provider whose clock is two days slow: its answer is ordered after the referral but dated before it; flagged, not counted")
    func aSkewedNodeIsFlaggedNotCounted() throws {
        let f = try Self.figure([
            Self.event(.requestReceived, seq: 1, hlc: 10, at: "2026-03-03T09:00:00+07:00"),
            Self.event(.requestReferred, seq: 2, hlc: 20, at: "2026-03-03T10:00:00+07:00", provider: Self.provider),
            Self.event(.providerResponded, node: Self.provider, seq: 1, hlc: 30, at: "2026-03-01T11:00:00+07:00", provider: Self.provider),
        ])
        #expect(f.state == "responded" && f.responded)
        #expect(f.minutesToResponse == nil && f.timeAnomaly, "a negative wait is not a wait")
        #expect(f.minutesToReferral == 60)
        #expect(FigureCounts(f).flagged == 1 && FigureCounts(f).responseCount == 0 && FigureCounts(f).responded == 1)
    }

    @Test("two offices both numbering a case K1: two cases, each in its own kecamatan")
    func twoOfficesWithTheSameCaseNumbering() throws {
        let other = "35.07.02"
        let batch = FigureBatch(events: [
            Self.key(): [Self.event(.requestReceived, seq: 1, hlc: 10, at: "2026-03-01T09:00:00+07:00")],
            Self.key(other): [Self.event(.requestReceived, node: other, caseNode: other, seq: 1, hlc: 10, at: "2026-03-01T09:00:00+07:00",
                                         desa: "35.07.02.2001"),
                              Self.event(.requestRejected, node: other, caseNode: other, seq: 2, hlc: 20, at: "2026-03-01T12:00:00+07:00",
                                         reason: "incomplete_documents")],
        ], previous: [:])
        let changes = FigureChanges.fold(batch)
        #expect(changes.figures.count == 2)
        #expect(Set(changes.figures.map(\.kecamatan)) == ["35.07.01", "35.07.02"])
        let a = changes.sums[FigureSumKey(kecamatan: "35.07.01", service: "ADM.KTPEL", month: "2026-03")]
        let b = changes.sums[FigureSumKey(kecamatan: "35.07.02", service: "ADM.KTPEL", month: "2026-03")]
        #expect(a?.received == 1 && a?.open == 1 && a?.rejected == 0)
        #expect(b?.received == 1 && b?.open == 0 && b?.rejected == 1 && b?.closeMinutes == 180)
    }

    @Test("a kecamatan in NTB (WITA): received 30 Nov 23:30 WIB is 1 Dec 00:30 local, so it counts in December")
    func aWitaKecamatanCountsItsOwnDays() throws {
        let ntb = "52.01.01"
        let f = try Self.figure([
            Self.event(.requestReceived, node: ntb, caseNode: ntb, seq: 1, hlc: 10, at: "2026-11-30T23:30:00+07:00", desa: "52.01.01.2001",
                       service: "PATEN.NP.SKTM"),
            Self.event(.requestCompleted, node: ntb, caseNode: ntb, seq: 2, hlc: 20, at: "2026-12-02T23:00:00+08:00", service: "PATEN.NP.SKTM"),
        ])
        #expect(LocalZone.of(area: ntb) == .wita)
        #expect(f.month == "2026-12" && LocalZone.dayText(f.openedDay) == "2026-12-01")
        #expect(f.closedWithinTarget == true, "closed on 2 Dec local, day 1 after 1 Dec")
        // The same events in a Jawa Timur kecamatan: received on 30 Nov local, closed 3 days later: late.
        let jatim = try Self.figure([
            Self.event(.requestReceived, seq: 1, hlc: 10, at: "2026-11-30T23:30:00+07:00", service: "PATEN.NP.SKTM"),
            Self.event(.requestCompleted, seq: 2, hlc: 20, at: "2026-12-02T23:00:00+08:00", service: "PATEN.NP.SKTM"),
        ])
        #expect(jatim.month == "2026-11" && jatim.closedWithinTarget == false)
    }

    @Test("a figure survives its record (and an earlier build's JSON) field for field")
    func figureRecordsRoundTrip() throws {
        let waiting = try Self.figure([
            Self.event(.requestReceived, seq: 1, hlc: 10, at: "2026-03-01T09:00:00+07:00"),
            Self.event(.requestReferred, seq: 2, hlc: 20, at: "2026-03-01T10:00:00+07:00", provider: Self.provider),
        ])
        let rejected = try Self.figure([
            Self.event(.requestReceived, node: "52.01.01", caseNode: "52.01.01", seq: 1, hlc: 10, at: "2026-03-01T09:00:00+08:00",
                       desa: "52.01.01.2001"),
            Self.event(.requestRejected, node: "52.01.01", caseNode: "52.01.01", seq: 2, hlc: 20, at: "2026-03-01T08:00:00+08:00",
                       reason: "missing_document"),
        ])
        for f in [waiting, rejected] {
            #expect(CaseFigure(record: f.record) == f)
            #expect(CaseFigure(record: String(decoding: try JSONEncoder().encode(f), as: UTF8.self)) == f)
        }
        #expect(rejected.timeAnomaly && rejected.minutesToClose == nil && waiting.responseDueDay != nil)
        #expect(CaseFigure(record: "f1\u{1F}too few") == nil && CaseFigure(record: "") == nil)
    }

    @Test("a referral waiting past its target is due at the end of its local day + target days")
    func aReferralWaitingHasADueDay() throws {
        let f = try Self.figure([
            Self.event(.requestReceived, seq: 1, hlc: 10, at: "2026-03-01T09:00:00+07:00"),
            Self.event(.requestReferred, seq: 2, hlc: 20, at: "2026-03-01T10:00:00+07:00", provider: Self.provider),
        ])
        #expect(f.awaitsProvider && f.isOpen)
        #expect(LocalZone.dayText(try #require(f.responseDueDay)) == "2026-03-15")
    }

    @Test("a case folded again as its events arrive: the sums hold its final figure once")
    func refoldingReplacesTheOldFigure() throws {
        let received = Self.event(.requestReceived, seq: 1, hlc: 10, at: "2026-03-01T09:00:00+07:00")
        let referred = Self.event(.requestReferred, seq: 2, hlc: 20, at: "2026-03-01T10:00:00+07:00", provider: Self.provider)
        let completed = Self.event(.requestCompleted, seq: 3, hlc: 30, at: "2026-03-02T09:00:00+07:00")
        var previous: CaseFigure?
        var total = [FigureSumKey: FigureCounts]()
        for events in [[received], [received, referred], [received, referred, completed]] {
            let changes = FigureChanges.fold(FigureBatch(events: [Self.key(): events], previous: previous.map { [Self.key(): $0] } ?? [:]))
            for (k, v) in changes.sums { total[k, default: FigureCounts()] += v }
            previous = changes.figures.first ?? previous
        }
        let final = try Self.figure([received, referred, completed])
        #expect(total.count == 1 && total.first?.value == FigureCounts(final))
        // Nothing new: no change at all.
        let again = FigureChanges.fold(FigureBatch(events: [Self.key(): [received, referred, completed]], previous: [Self.key(): final]))
        #expect(again.figures.isEmpty && again.sums.isEmpty)
    }
}
