import Foundation

/// One event of a case as it sits in some node's log: who recorded it, where, its clock stamp, and the event.
public struct CaseEvent: Sendable, Equatable {
    public var node: String
    public var seq: Int64
    public var hlc: Int64
    public var event: Event

    public init(node: String, seq: Int64, hlc: Int64, event: Event) {
        self.node = node
        self.seq = seq
        self.hlc = hlc
        self.event = event
    }

    /// The node whose case this is: the recording node, unless a provider names the office's node in
    /// `attrs.case_node` (a provider's events are about an office's case).
    public var caseNode: String { event.caseNode ?? node }
}

/// A case as the fold of its events: `simpul cases` prints these, and the aggregator folds the same way.
public struct CaseView: Codable, Sendable, Equatable {
    /// One event in fold order, as the case lists it.
    public struct Step: Codable, Sendable, Equatable {
        public var node: String
        public var seq: Int64
        public var hlc: Int64
        public var id: String
        public var kind: String
        public var occurredAt: String
        public var provider: String?
        public var reason: String?
        public var outcome: String?
        /// Set when a later `event.corrected` supersedes this event: listed, but not applied.
        public var superseded: Bool

        enum CodingKeys: String, CodingKey {
            case node, seq, hlc, id, kind, provider, reason, outcome, superseded
            case occurredAt = "occurred_at"
        }
    }

    public var caseNode: String
    public var caseID: String
    public var service: String
    public var desa: String?
    /// `open`, `incomplete`, `referred`, `acknowledged`, `responded`, `completed`, `handed_over`, `rejected`,
    /// `cancelled`; `unknown` when no event sets one.
    public var state: String
    public var provider: String?
    public var outcome: String?
    public var openedAt: String?
    public var referredAt: String?
    public var respondedAt: String?
    public var closedAt: String?
    public var targetDays: Int?
    /// Days the case has waited: from referral to the provider's response (or now) while referred, otherwise from
    /// opening to closing (or now).
    public var waitedDays: Double?
    /// A referral without a provider response past the service's target.
    public var overdue: Bool
    /// Orders of events that cannot happen (a response before any referral, events after the case closed ...):
    /// flagged, never dropped.
    public var anomalies: [String]
    public var events: [Step]

    enum CodingKeys: String, CodingKey {
        case service, desa, state, provider, outcome, overdue, anomalies, events
        case caseNode = "case_node"
        case caseID = "case"
        case openedAt = "opened_at"
        case referredAt = "referred_at"
        case respondedAt = "responded_at"
        case closedAt = "closed_at"
        case targetDays = "target_days"
        case waitedDays = "waited_days"
    }

    /// Open: the case still waits on the office or a provider.
    public var isOpen: Bool { !CaseFold.terminalStates.contains(state) }
}

/// Folds a case's events into its state. Events are ordered by hybrid logical clock, ties by node and seq, so
/// every node that holds the same events computes the same case.
public enum CaseFold {
    static let terminalStates: Set<String> = ["completed", "handed_over", "rejected", "cancelled"]

    /// Folds the events of one case (all with the same case node and case id). `now` dates the wait of open cases.
    public static func fold(_ events: [CaseEvent], catalogue: ServiceCatalogue, now: Date) -> CaseView? {
        guard let first = events.first else { return nil }
        let ordered = events.sorted { ($0.hlc, $0.node, $0.seq) < ($1.hlc, $1.node, $1.seq) }
        // The latest correction of each event, in fold order: the corrected event is applied in its own place with
        // the correction's fields.
        var corrections = [String: Event]()
        for e in ordered where e.event.kind == .eventCorrected {
            if let id = e.event.supersedes { corrections[id] = e.event }
        }
        let ids = Set(ordered.map(\.event.id))
        var view = CaseView(
            caseNode: first.caseNode, caseID: first.event.caseID, service: ordered[0].event.service, desa: nil, state: "unknown",
            provider: nil, outcome: nil, openedAt: nil, referredAt: nil, respondedAt: nil, closedAt: nil, targetDays: nil,
            waitedDays: nil, overdue: false, anomalies: [], events: [])
        var opened = false
        for e in ordered {
            let event = e.event
            let correction = corrections[event.id]
            view.events.append(CaseView.Step(
                node: e.node, seq: e.seq, hlc: e.hlc, id: event.id, kind: event.kind.rawValue, occurredAt: event.occurredAt,
                provider: event.provider, reason: event.reason, outcome: event.outcome, superseded: correction != nil))
            if event.kind == .eventCorrected {
                if let target = event.supersedes, !ids.contains(target) {
                    view.anomalies.append("\(event.kind.rawValue) \(event.id): corrects \(target), which is not an event of this case")
                }
                continue
            }
            apply(correction.map { Self.corrected(event, by: $0) } ?? event, to: &view, opened: &opened)
        }
        if let target = catalogue.services[view.service]?.targetDays { view.targetDays = target }
        measure(&view, now: now)
        return view
    }

    private static func apply(_ event: Event, to view: inout CaseView, opened: inout Bool) {
        let closed = terminalStates.contains(view.state)
        func flag(_ text: String) { view.anomalies.append("\(event.kind.rawValue) \(event.id): \(text)") }
        switch event.kind {
        case .needIdentified, .requestReceived:
            if opened { flag("the case was already opened") }
            if view.state != "unknown" && !opened { flag("opens the case after later events (\(view.state))") }
            opened = true
            view.openedAt = view.openedAt ?? event.occurredAt
            view.desa = event.desa ?? view.desa
            view.service = event.service
            if view.state == "unknown" { view.state = "open" }
        case .requestIncomplete:
            if closed { flag("after the case was \(view.state)"); return }
            view.state = "incomplete"
        case .requestReferred:
            if closed { flag("after the case was \(view.state)"); return }
            view.state = "referred"
            view.provider = event.provider
            view.referredAt = event.occurredAt
            view.respondedAt = nil
            view.outcome = nil
        case .providerAcknowledged:
            guard view.referredAt != nil else { flag("before any referral"); return }
            if event.provider != view.provider { flag("from \(event.provider ?? "?"), but the case is referred to \(view.provider ?? "?")") }
            if closed { flag("after the case was \(view.state)"); return }
            if view.state == "referred" { view.state = "acknowledged" }
        case .providerResponded:
            guard view.referredAt != nil else { flag("before any referral"); return }
            if event.provider != view.provider { flag("from \(event.provider ?? "?"), but the case is referred to \(view.provider ?? "?")") }
            if view.respondedAt != nil { flag("the provider had already responded") }
            view.respondedAt = event.occurredAt
            view.outcome = event.outcome
            if closed { flag("after the case was \(view.state)"); return }
            view.state = "responded"
        case .requestCompleted, .requestHandedOver, .requestRejected, .requestCancelled:
            if closed { flag("after the case was \(view.state)"); return }
            view.state = event.kind.rawValue.replacingOccurrences(of: "request.", with: "")
            view.closedAt = event.occurredAt
        case .eventCorrected:
            break  // applied through the event it corrects
        }
    }

    /// An event as its correction restates it: the same kind and time, with the correction's service and, where the
    /// correction gives them, its provider, reason, desa and attributes.
    static func corrected(_ original: Event, by correction: Event) -> Event {
        var event = original
        event.service = correction.service
        event.provider = correction.provider ?? original.provider
        event.reason = correction.reason ?? original.reason
        event.desa = correction.desa ?? original.desa
        if let attrs = correction.attrs { event.attrs = (original.attrs ?? [:]).merging(attrs) { _, new in new } }
        return event
    }

    /// The wait against the target: a referral waits from referral to response; a case otherwise from opening.
    private static func measure(_ view: inout CaseView, now: Date) {
        let start: String?
        let end: String?
        if view.referredAt != nil && view.closedAt == nil {
            start = view.referredAt
            end = view.respondedAt
        } else {
            start = view.openedAt ?? view.referredAt
            end = view.closedAt
        }
        guard let from = start.flatMap(RFC3339.parse)?.date else { return }
        let until = end.flatMap(RFC3339.parse)?.date ?? now
        let days = max(0, until.timeIntervalSince(from) / 86_400)
        view.waitedDays = (days * 100).rounded() / 100
        if let target = view.targetDays, view.referredAt != nil, view.respondedAt == nil, view.closedAt == nil {
            view.overdue = days > Double(max(target, 1))
        }
    }

    /// Groups events by case (case node and case id) and folds each; cases in case-node and case-id order.
    public static func foldAll(_ events: [CaseEvent], catalogue: ServiceCatalogue, now: Date) -> [CaseView] {
        var groups = [String: [CaseEvent]]()
        for e in events { groups[e.caseNode + "\u{1}" + e.event.caseID, default: []].append(e) }
        return groups.keys.sorted().compactMap { fold(groups[$0]!, catalogue: catalogue, now: now) }
    }
}
