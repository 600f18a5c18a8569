import Foundation

extension Event {
    /// Reads a stored event from parsed JSON, strictly: required fields present and of the right type,
    /// no unknown field (so an entry smuggling a raw `nik` is refused). The fast path for ingest and verify.
    public init(json object: [String: JSONValue]) throws(ValidationError) {
        for key in object.keys where Self.knownKeys[key] == nil {
            throw ValidationError(field: key, value: nil, reason: "is not a field of a stored event")
        }
        func text(_ key: String, required: Bool) throws(ValidationError) -> String? {
            switch object[key] {
            case .string(let value)?: return value
            case nil where !required: return nil
            case nil: throw ValidationError(field: key, value: nil, reason: "is required")
            case let other?: throw ValidationError(field: key, value: other.displayText, reason: "must be a string")
            }
        }
        let kindText = try text("kind", required: true)!
        guard let kind = EventKind(rawValue: kindText) else {
            throw ValidationError(field: "kind", value: kindText, reason: "is not a known kind")
        }
        var channel: Channel?
        if let channelText = try text("channel", required: false) {
            guard let parsed = Channel(rawValue: channelText) else {
                throw ValidationError(field: "channel", value: channelText, reason: "is not a known channel")
            }
            channel = parsed
        }
        var attrs: [String: JSONValue]?
        switch object["attrs"] {
        case .object(let value)?: attrs = value
        case nil: attrs = nil
        case let other?: throw ValidationError(field: "attrs", value: other.displayText, reason: "must be an object")
        }
        self.init(
            id: try text("id", required: true)!, kind: kind, caseID: try text("case", required: true)!,
            service: try text("service", required: true)!, desa: try text("desa", required: false), channel: channel,
            officer: try text("officer", required: false), provider: try text("provider", required: false),
            reason: try text("reason", required: false), occurredAt: try text("occurred_at", required: true)!, attrs: attrs,
            supersedes: try text("supersedes", required: false), subject: try text("subject", required: false),
            subjectSex: try text("subject_sex", required: false), subjectAgeBand: try text("subject_age_band", required: false))
    }

    static let knownKeys: [String: Void] = Dictionary(uniqueKeysWithValues: CodingKeys.allCases.map { ($0.rawValue, ()) })
}
