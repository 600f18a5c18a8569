/// What happened to a service case. A case's state is a fold over its events, so events never conflict.
public enum EventKind: String, Codable, Sendable, CaseIterable {
    case needIdentified = "need.identified"
    case requestReceived = "request.received"
    case requestIncomplete = "request.incomplete"
    case requestReferred = "request.referred"
    case providerAcknowledged = "provider.acknowledged"
    case providerResponded = "provider.responded"
    case requestCompleted = "request.completed"
    case requestHandedOver = "request.handed_over"
    case requestRejected = "request.rejected"
    case requestCancelled = "request.cancelled"
    case eventCorrected = "event.corrected"

    /// Kinds that open a case: the case id is generated when absent, and desa and channel are required.
    public var opensCase: Bool { self == .needIdentified || self == .requestReceived }

    /// Kinds that need a `reason` code.
    public var needsReason: Bool { self == .requestRejected || self == .requestCancelled || self == .requestIncomplete }

    /// Kinds that need a `provider` (the referral target).
    public var needsProvider: Bool { self == .requestReferred || self == .providerAcknowledged || self == .providerResponded }
}

/// How the request reached the office.
public enum Channel: String, Codable, Sendable, CaseIterable {
    case counter, outreach, online, phone
    case villageReferral = "village_referral"
}
