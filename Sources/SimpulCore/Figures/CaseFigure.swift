import Foundation

/// What one case adds to the province's figures: where and when it was asked for, how far it got, and how long
/// each step took, in the kecamatan's local calendar days. Computed from the case's fold (`CaseFold`), kept per case
/// (keyed by case node and case id), and summed per kecamatan, service and month (`FigureCounts`).
public struct CaseFigure: Sendable, Equatable, Codable {
    public var caseNode: String
    public var caseID: String
    public var service: String
    /// The kecamatan the case counts for: its desa's, else its office node's.
    public var kecamatan: String
    public var desa: String?
    /// The case's state as the fold leaves it (`open`, `referred`, `completed` ...).
    public var state: String
    /// The case has its opening event (`request.received` or `need.identified`), and a provider's response.
    public var received: Bool
    public var responded: Bool
    public var provider: String?
    /// The local day the case was received (or, without an opening event, its first event's day): days since 1970.
    public var openedDay: Int
    /// The instant it was received, in seconds since 1970 (open cases are aged from it).
    public var openedEpoch: Int64
    /// Minutes from received to referred, from referred to the provider's response, and from received to completed
    /// or rejected; nil where the step has not happened or its times run backwards (then `timeAnomaly`).
    public var minutesToReferral: Int64?
    public var minutesToResponse: Int64?
    public var minutesToClose: Int64?
    /// Closed (completed, handed over or rejected) by the end of the local day `target_days` after it was received.
    public var closedWithinTarget: Bool?
    /// Referred and still waiting for the provider's response: the local day by whose end it is due.
    public var responseDueDay: Int?
    /// Events in an order that cannot happen, flagged by the fold.
    public var anomalies: Int
    /// A step dated before the one it follows (a node's clock was wrong): its time is left out of the figures.
    public var timeAnomaly: Bool

    public var isOpen: Bool { !CaseFold.terminalStates.contains(state) }
    public var awaitsProvider: Bool { responseDueDay != nil }
    public var month: String { LocalZone.monthText(openedDay) }

    enum CodingKeys: String, CodingKey {
        case service, kecamatan, desa, state, provider, anomalies, received, responded
        case caseNode = "case_node", caseID = "case", openedDay = "opened_day", openedEpoch = "opened_epoch"
        case minutesToReferral = "minutes_to_referral", minutesToResponse = "minutes_to_response", minutesToClose = "minutes_to_close"
        case closedWithinTarget = "closed_within_target", responseDueDay = "response_due_day", timeAnomaly = "time_anomaly"
    }

    /// The figure of a folded case; nil when no event of it carries a time that can be read.
    public init?(_ view: CaseView) {
        let zoneCode = view.desa ?? NodeID.kecamatan(of: view.caseNode)
        let zone = LocalZone.of(area: zoneCode)
        func instant(_ text: String?) -> Date? { text.flatMap(RFC3339.parse)?.date }
        guard let opened = instant(view.openedAt) ?? instant(view.events.first?.occurredAt) else { return nil }
        caseNode = view.caseNode
        caseID = view.caseID
        service = view.service
        desa = view.desa
        if let desa = view.desa, Wilayah.isDesaCodeShaped(desa) {
            kecamatan = String(desa.split(separator: ".").prefix(3).joined(separator: "."))
        } else {
            kecamatan = NodeID.kecamatan(of: view.caseNode)
        }
        state = view.state
        received = view.openedAt != nil
        responded = view.respondedAt != nil
        provider = view.provider
        openedDay = zone.dayNumber(of: opened)
        openedEpoch = Int64(opened.timeIntervalSince1970.rounded(.down))
        anomalies = view.anomalies.count
        timeAnomaly = false

        let referred = instant(view.referredAt), responded = instant(view.respondedAt), closed = instant(view.closedAt)
        var backwards = false
        func minutes(_ from: Date?, _ to: Date?) -> Int64? {
            guard let from, let to else { return nil }
            let seconds = to.timeIntervalSince(from)
            if seconds < 0 { backwards = true; return nil }
            return Int64((seconds / 60).rounded(.down))
        }
        minutesToReferral = view.openedAt == nil ? nil : minutes(opened, referred)
        minutesToResponse = minutes(referred, responded)
        let counted = ["completed", "handed_over", "rejected"].contains(view.state)
        minutesToClose = counted && view.openedAt != nil ? minutes(opened, closed) : nil
        if minutesToClose != nil, let closed, let target = view.targetDays {
            closedWithinTarget = zone.dayNumber(of: closed) <= openedDay + target
        }
        if let referred, view.respondedAt == nil, view.closedAt == nil, view.state == "referred" || view.state == "acknowledged" {
            responseDueDay = zone.dayNumber(of: referred) + (view.targetDays ?? 0)
        }
        timeAnomaly = backwards
    }
}
