import Foundation
import SimpulCore

/// The node's view of its cases (`simpul cases`, `GET /v1/cases`): every case it holds events of, its own and those
/// the feed brought, folded the way the aggregator folds them.
public struct CaseListing: Sendable {
    /// Which cases to list.
    public struct Filter: Sendable, Equatable {
        public var caseID: String?
        public var openOnly = false
        public var overdueOnly = false

        public init(caseID: String? = nil, openOnly: Bool = false, overdueOnly: Bool = false) {
            self.caseID = caseID
            self.openOnly = openOnly
            self.overdueOnly = overdueOnly
        }
    }

    public let context: NodeContext

    public init(context: NodeContext) {
        self.context = context
    }

    public func cases(_ filter: Filter, now: Date = Date()) throws(NodeError) -> [CaseView] {
        let catalogue = try context.rules().rules.catalogue
        var events = try context.store.caseEvents(node: context.config.nodeID)
        if let caseID = filter.caseID { events.removeAll { $0.event.caseID != caseID } }
        var cases = CaseFold.foldAll(events, catalogue: catalogue, now: now)
        if filter.openOnly { cases.removeAll { !$0.isOpen } }
        if filter.overdueOnly { cases.removeAll { !$0.overdue } }
        return cases
    }
}
