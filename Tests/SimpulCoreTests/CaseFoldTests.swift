import Foundation
import SimpulCore
import Testing

/// The case fold: the same events give the same case on every node, in any arrival order; corrections apply;
/// impossible orders are flagged, never dropped; overdue is measured against the service's target.
@Suite struct CaseFoldTests {
    static let office = "35.07.01"
    static let provider = "DISDUKCAPIL.35.07"
    static let now = RFC3339.parse("2026-03-30T09:00:00+07:00")!.date

    /// A case event: `hlc` orders it; `node` records it; provider events name the office's node.
    static func event(_ kind: EventKind, node: String = office, seq: Int64, hlc: Int64, at: String, provider: String? = nil,
                      reason: String? = nil, outcome: String? = nil, supersedes: String? = nil, service: String = "ADM.KTPEL") -> CaseEvent {
        var attrs = [String: JSONValue]()
        if node != office { attrs[Event.caseNodeAttr] = .string(office) }
        if let outcome { attrs[Event.outcomeAttr] = .string(outcome) }
        let id = String(format: "0190a000-0000-7000-8000-%012d", hlc)
        let e = Event(id: id, kind: kind, caseID: "K1", service: service, desa: kind.opensCase ? "35.07.01.2001" : nil,
                      channel: kind.opensCase ? .counter : nil, provider: provider, reason: reason, occurredAt: at,
                      attrs: attrs.isEmpty ? nil : attrs, supersedes: supersedes)
        return CaseEvent(node: node, seq: seq, hlc: hlc, event: e)
    }

    static let received = event(.requestReceived, seq: 1, hlc: 10, at: "2026-03-01T09:00:00+07:00")
    static let referred = event(.requestReferred, seq: 2, hlc: 20, at: "2026-03-01T10:00:00+07:00", provider: provider)
    static let acknowledged = event(.providerAcknowledged, node: provider, seq: 1, hlc: 30, at: "2026-03-02T10:00:00+07:00", provider: provider)
    static let responded = event(.providerResponded, node: provider, seq: 2, hlc: 40, at: "2026-03-05T10:00:00+07:00", provider: provider,
                                 outcome: "completed")
    static let completed = event(.requestCompleted, seq: 3, hlc: 50, at: "2026-03-06T10:00:00+07:00")

    func fold(_ events: [CaseEvent]) throws -> CaseView {
        try #require(CaseFold.fold(events, catalogue: .shipped, now: Self.now))
    }

    @Test func aReferralAnsweredAndCompletedFoldsTheSameInAnyArrivalOrder() throws {
        let events = [Self.received, Self.referred, Self.acknowledged, Self.responded, Self.completed]
        let expected = try fold(events)
        #expect(expected.state == "completed" && expected.provider == Self.provider && expected.outcome == "completed")
        #expect(expected.caseNode == Self.office && expected.anomalies.isEmpty && !expected.overdue)
        #expect(expected.waitedDays == 5.04, "opened 1 March 09:00, closed 6 March 10:00")
        for _ in 0..<20 { #expect(try fold(events.shuffled()) == expected) }
    }

    @Test func aReferralWithoutResponsePastTheTargetIsOverdueAndNotBefore() throws {
        // ADM.KTPEL has a 14-day target; referred 1 March, now 30 March.
        let overdue = try fold([Self.received, Self.referred, Self.acknowledged])
        #expect(overdue.state == "acknowledged" && overdue.overdue && overdue.targetDays == 14)
        #expect(overdue.waitedDays.map { $0 > 28 } == true)
        let answered = try fold([Self.received, Self.referred, Self.responded])
        #expect(answered.state == "responded" && !answered.overdue)
        let recent = Self.event(.requestReferred, seq: 2, hlc: 20, at: "2026-03-25T10:00:00+07:00", provider: Self.provider)
        #expect(try !fold([Self.received, recent]).overdue)
        let cancelled = Self.event(.requestCancelled, seq: 3, hlc: 25, at: "2026-03-03T10:00:00+07:00", reason: "citizen_withdrew")
        #expect(try !fold([Self.received, Self.referred, cancelled]).overdue)
    }

    @Test func impossibleOrdersAreFlaggedAndKept() throws {
        // A response before any referral (its stamp orders it first), and a response after the office cancelled.
        let early = Self.event(.providerResponded, node: Self.provider, seq: 1, hlc: 5, at: "2026-03-01T08:00:00+07:00",
                               provider: Self.provider, outcome: "completed")
        let view = try fold([early, Self.received, Self.referred])
        #expect(view.anomalies.count == 1, "\(view.anomalies)")
        #expect(view.anomalies.contains { $0.contains("before any referral") })
        #expect(view.events.count == 3, "flagged events are listed, not dropped")
        let cancelled = Self.event(.requestCancelled, seq: 3, hlc: 35, at: "2026-03-03T10:00:00+07:00", reason: "citizen_withdrew")
        let late = try fold([Self.received, Self.referred, cancelled, Self.responded])
        #expect(late.state == "cancelled" && late.respondedAt != nil)
        #expect(late.anomalies.count == 1 && late.anomalies[0].contains("after the case was cancelled"))
    }

    @Test func aCorrectionSupersedesTheEventItNames() throws {
        // The referral named the wrong provider; a correction re-refers to the right one.
        let wrong = Self.event(.requestReferred, seq: 2, hlc: 20, at: "2026-03-01T10:00:00+07:00", provider: "DINSOS.35.07")
        let fix = Self.event(.eventCorrected, seq: 3, hlc: 25, at: "2026-03-01T11:00:00+07:00", provider: Self.provider,
                             supersedes: wrong.event.id)
        let view = try fold([Self.received, wrong, fix])
        #expect(view.provider == Self.provider, "\(view)")
        #expect(view.events.first { $0.id == wrong.event.id }?.superseded == true)
        // A correction of the service changes the case's service (and so its target).
        let service = Self.event(.eventCorrected, seq: 3, hlc: 25, at: "2026-03-01T11:00:00+07:00", supersedes: Self.received.event.id,
                                 service: "ADM.KK")
        let corrected = try fold([Self.received, Self.referred, service])
        #expect(corrected.service == "ADM.KK" && corrected.targetDays == 7)
        // A correction naming an event outside the case is flagged.
        let stray = Self.event(.eventCorrected, seq: 4, hlc: 26, at: "2026-03-01T11:00:00+07:00", supersedes: "0190a000-0000-7000-8000-999999999999")
        #expect(try fold([Self.received, stray]).anomalies.count == 1)
    }

    @Test func casesAreKeyedByNodeAndCaseIDNeverByCaseIDAlone() {
        var other = Self.received
        other.node = "35.07.02"
        other.seq = 1
        let cases = CaseFold.foldAll([Self.received, Self.referred, other], catalogue: .shipped, now: Self.now)
        #expect(cases.map(\.caseNode) == ["35.07.01", "35.07.02"])
        #expect(cases.map(\.caseID) == ["K1", "K1"])
    }

    @Test func providerInputsAreChecked() {
        let builder = Fixture.builder()
        let responded: [String: JSONValue] = ["kind": .string("provider.responded"), "case": .string("K1"), "service": .string("ADM.KTPEL"),
                                              "provider": .string(Self.provider), "occurred_at": .string("2026-03-01T09:00:00+07:00")]
        var declined = responded
        declined["outcome"] = .string("declined")
        #expect(Fixture.refusal(declined, builder: builder)?.field == "reason")
        declined["reason"] = .string("out_of_scope")
        #expect(Fixture.refusal(declined, builder: builder) == nil)
        var onReferral = responded
        onReferral["kind"] = .string("request.referred")
        onReferral["outcome"] = .string("completed")
        #expect(Fixture.refusal(onReferral, builder: builder)?.field == "outcome")
        var badNode = responded
        badNode["case_node"] = .string("not a node")
        #expect(Fixture.refusal(badNode, builder: builder)?.field == "case_node")
    }

    @Test func entriesNameTheirRulesVersionAndOlderEntriesStillDecode() throws {
        let json = try Fixture.builder().build(object: Fixture.request(), now: Fixture.now).canonicalJSON()
        let version = RulesDocument.shipped.version
        #expect(RulesDocument.isVersionShaped(version))
        let bytes = LogEntry.encode(seq: 1, node: "35.07.01", hlc: HLCTimestamp(millis: 5, logical: 0), eventJSON: json, rules: version)
        #expect(try LogEntry(seq: 1, bytes: bytes).decode().rules == version)
        let old = LogEntry.encode(seq: 1, node: "35.07.01", hlc: HLCTimestamp(millis: 5, logical: 0), eventJSON: json)
        #expect(try LogEntry(seq: 1, bytes: old).decode().rules == nil)
        let forged = Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: version, with: "r-NOT-A-VERSION!!!").utf8)
        #expect(throws: (any Error).self) { try LogEntry(seq: 1, bytes: forged).decode() }
        // Any change to the rules changes the version.
        var changed = RulesDocument.shipped
        changed.syncIntervalSeconds = 600
        #expect(changed.computedVersion != version)
    }
}
