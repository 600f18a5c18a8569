import Foundation

/// An immutable, validated fact about a service case, as stored and as it travels in the log.
///
/// It never holds a NIK: only `subject`, the keyed pseudonym, with the sex and age band derived from it.
/// Decoding refuses unknown keys, so an entry that smuggles a raw `nik` is refused by the aggregator.
public struct Event: Codable, Sendable, Equatable {
    public var id: String
    public var kind: EventKind
    public var caseID: String
    public var service: String
    public var desa: String?
    public var channel: Channel?
    public var officer: String?
    public var provider: String?
    public var reason: String?
    public var occurredAt: String
    public var attrs: [String: JSONValue]?
    public var supersedes: String?
    public var subject: String?
    public var subjectSex: String?
    public var subjectAgeBand: String?

    public init(
        id: String, kind: EventKind, caseID: String, service: String, desa: String? = nil,
        channel: Channel? = nil, officer: String? = nil, provider: String? = nil, reason: String? = nil,
        occurredAt: String, attrs: [String: JSONValue]? = nil, supersedes: String? = nil,
        subject: String? = nil, subjectSex: String? = nil, subjectAgeBand: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.caseID = caseID
        self.service = service
        self.desa = desa
        self.channel = channel
        self.officer = officer
        self.provider = provider
        self.reason = reason
        self.occurredAt = occurredAt
        self.attrs = attrs
        self.supersedes = supersedes
        self.subject = subject
        self.subjectSex = subjectSex
        self.subjectAgeBand = subjectAgeBand
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, kind, service, desa, channel, officer, provider, reason, attrs, supersedes, subject
        case caseID = "case"
        case occurredAt = "occurred_at"
        case subjectSex = "subject_sex"
        case subjectAgeBand = "subject_age_band"
    }

    public init(from decoder: any Decoder) throws {
        let any = try decoder.container(keyedBy: AnyCodingKey.self)
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = any.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: [unknown], debugDescription: "unknown field '\(unknown.stringValue)' in event"))
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        kind = try c.decode(EventKind.self, forKey: .kind)
        caseID = try c.decode(String.self, forKey: .caseID)
        service = try c.decode(String.self, forKey: .service)
        desa = try c.decodeIfPresent(String.self, forKey: .desa)
        channel = try c.decodeIfPresent(Channel.self, forKey: .channel)
        officer = try c.decodeIfPresent(String.self, forKey: .officer)
        provider = try c.decodeIfPresent(String.self, forKey: .provider)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        occurredAt = try c.decode(String.self, forKey: .occurredAt)
        attrs = try c.decodeIfPresent([String: JSONValue].self, forKey: .attrs)
        supersedes = try c.decodeIfPresent(String.self, forKey: .supersedes)
        subject = try c.decodeIfPresent(String.self, forKey: .subject)
        subjectSex = try c.decodeIfPresent(String.self, forKey: .subjectSex)
        subjectAgeBand = try c.decodeIfPresent(String.self, forKey: .subjectAgeBand)
    }

    /// The event's bytes as recorded: compact JSON, keys sorted, absent fields left out. Computed once, at
    /// record time; never recomputed for an entry that exists (its bytes are what is hashed and stored).
    public func canonicalJSON() throws -> Data {
        // Keys in byte order: attrs, case, channel, desa, id, kind, occurred_at, officer, provider, reason,
        // service, subject, subject_age_band, subject_sex, supersedes.
        var members = [(key: String, value: JSONValue)]()
        members.reserveCapacity(15)
        func add(_ key: String, _ value: String?) { if let value { members.append((key, .string(value))) } }
        if let attrs { members.append(("attrs", .object(attrs))) }
        add("case", caseID)
        add("channel", channel?.rawValue)
        add("desa", desa)
        add("id", id)
        add("kind", kind.rawValue)
        add("occurred_at", occurredAt)
        add("officer", officer)
        add("provider", provider)
        add("reason", reason)
        add("service", service)
        add("subject", subject)
        add("subject_age_band", subjectAgeBand)
        add("subject_sex", subjectSex)
        add("supersedes", supersedes)
        var out = [UInt8]()
        out.reserveCapacity(320)
        CanonicalJSON.appendObject(members, to: &out)
        return Data(out)
    }
}

/// A coding key for any string, used to list every key of a JSON object.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
