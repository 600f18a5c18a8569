import Foundation

/// The attributes that tie an event to a case across nodes.
extension Event {
    /// The attribute a provider's events name the office's node in (the case is keyed by node and case id).
    public static let caseNodeAttr = "case_node"
    /// The attribute `provider.responded` carries its outcome code in (`accepted`, `completed`, `declined` ...).
    public static let outcomeAttr = "outcome"

    public var caseNode: String? {
        if case .string(let node)? = attrs?[Self.caseNodeAttr] { return node }
        return nil
    }

    public var outcome: String? {
        if case .string(let code)? = attrs?[Self.outcomeAttr] { return code }
        return nil
    }
}
