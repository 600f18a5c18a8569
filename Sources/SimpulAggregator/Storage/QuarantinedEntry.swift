import Foundation
import SimpulCore

/// An entry the aggregator stored and acknowledged but holds aside: well formed, chained and signed, yet its event
/// fails the aggregator's rules (another catalogue, wilayah list or setting than the node's). It counts in no
/// figure until `quarantine recheck` finds that the rules now allow it.
public struct QuarantinedEntry: Sendable, Equatable, Codable {
    public var node: String
    public var seq: Int64
    public var eventID: String
    /// The event field the rule refused (`service`, `desa`, ...).
    public var field: String
    /// The rule's words, as `simpul-aggregator quarantine list` shows them.
    public var reason: String
    public var quarantinedAt: String

    enum CodingKeys: String, CodingKey {
        case node, seq, field, reason
        case eventID = "event_id"
        case quarantinedAt = "quarantined_at"
    }

    public init(node: String, seq: Int64, eventID: String, field: String, reason: String, quarantinedAt: String) {
        self.node = node
        self.seq = seq
        self.eventID = eventID
        self.field = field
        self.reason = reason
        self.quarantinedAt = quarantinedAt
    }

    /// The quarantine of an entry whose event broke a rule; the offending value is named only where the rule
    /// allowed it to be shown (never anything NIK-shaped).
    public init(node: String, seq: Int64, eventID: String, violation: ValidationError, at time: String) {
        var copy = violation
        copy.line = nil
        self.init(node: node, seq: seq, eventID: eventID, field: violation.field, reason: copy.description, quarantinedAt: time)
    }

    /// One line for a receipt and `simpul status`: where the first held entry is and why.
    public var summary: String { "seq \(seq): \(reason)" }
}
