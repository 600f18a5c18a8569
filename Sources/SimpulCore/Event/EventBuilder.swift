import Foundation

/// Turns what an officer or a front-desk application typed (one JSON object, or CLI flags) into a
/// validated `Event`: generates ids, defaults `occurred_at` and `channel`, and replaces a NIK by its pseudonym.
public struct EventBuilder: Sendable {
    public var rules: EventRules
    public var pseudonymizer: Pseudonymizer?
    /// Completes an input before it is built: a provider node fills its acknowledgements and responses from the
    /// referral it received (service, provider, the office's node), and refuses a case it never received.
    public var complete: (@Sendable (inout [String: JSONValue]) throws(ValidationError) -> Void)?

    public init(rules: EventRules, pseudonymizer: Pseudonymizer?) {
        self.rules = rules
        self.pseudonymizer = pseudonymizer
    }

    /// Fields an input may carry. `subject*` are derived, never given.
    /// `id` is always generated (UUIDv7): an id chosen by a client could already be stored for another node,
    /// and the aggregator would then refuse this node's log at that entry for good.
    public static let inputFields: [String] = [
        "kind", "case", "service", "desa", "channel", "officer", "provider", "reason",
        "occurred_at", "attrs", "supersedes", "nik", "outcome", "case_node",
    ]
    private static let inputFieldSet = Set(inputFields)

    /// Parses one NDJSON line into an event.
    public func build(jsonLine: Data, now: Date) throws(ValidationError) -> Event {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(jsonLine)
        } catch {
            throw ValidationError(field: "(line)", value: nil, reason: Message(.vNotJSON, ["error": "\(error)"]))
        }
        guard case .object(let object) = parsed else {
            throw ValidationError(field: "(line)", value: nil, reason: Message(.vLineObject))
        }
        return try build(object: object, now: now)
    }

    public func build(object given: [String: JSONValue], now: Date) throws(ValidationError) -> Event {
        var object = given
        if let complete { try complete(&object) }
        if let unknown = object.keys.sorted().first(where: { !Self.inputFieldSet.contains($0) }) {
            throw ValidationError(
                field: unknown, value: nil, reason: Message(.vUnknownField, ["known": Self.inputFields.joined(separator: ", ")]))
        }
        let kindText = try string(object, "kind", required: true)!
        guard let kind = EventKind(rawValue: kindText) else {
            throw ValidationError(
                field: "kind", value: kindText,
                reason: Message(.vUnknownKind, ["known": EventKind.allCases.map(\.rawValue).joined(separator: ", ")]))
        }
        let millis = Int64(now.timeIntervalSince1970 * 1000)
        let occurredAt = try string(object, "occurred_at") ?? RFC3339.format(now)
        let caseID: String
        if let given = try string(object, "case") {
            caseID = given
        } else if kind.opensCase {
            caseID = UUIDv7.make(millis: millis)
        } else {
            throw ValidationError(field: "case", value: nil, reason: Message(.vCaseRequired, ["kind": kind.rawValue]))
        }
        var channel: Channel?
        if let text = try string(object, "channel") {
            guard let parsed = Channel(rawValue: text) else {
                throw ValidationError(
                    field: "channel", value: text,
                    reason: Message(.vOneOf, ["values": Channel.allCases.map(\.rawValue).joined(separator: ", ")]))
            }
            channel = parsed
        } else if kind.opensCase {
            channel = .counter
        }
        var attrs: [String: JSONValue]?
        if let value = object["attrs"], value != .null {
            guard case .object(let dict) = value else {
                throw ValidationError(field: "attrs", value: value.displayText, reason: Message(.vJSONObject))
            }
            attrs = dict.isEmpty ? nil : dict
        }
        // `outcome` and `case_node` travel in attrs (the event's fields are fixed by the protocol).
        for (field, attr) in [("outcome", Event.outcomeAttr), ("case_node", Event.caseNodeAttr)] {
            if let value = try string(object, field) { attrs = (attrs ?? [:]).merging([attr: .string(value)]) { _, new in new } }
        }
        var event = Event(
            id: UUIDv7.make(millis: millis),
            kind: kind, caseID: caseID,
            service: try string(object, "service", required: true)!,
            desa: try string(object, "desa"), channel: channel,
            officer: try string(object, "officer"), provider: try string(object, "provider"),
            reason: try string(object, "reason"), occurredAt: occurredAt, attrs: attrs,
            supersedes: try string(object, "supersedes"))
        if let nikText = try string(object, "nik") {
            try applyNIK(nikText, to: &event)
        }
        try rules.check(event)
        return event
    }

    private func applyNIK(_ text: String, to event: inout Event) throws(ValidationError) {
        guard let pseudonymizer else {
            throw ValidationError(field: "nik", value: nil, reason: Message(.vNoPseudonymKey))
        }
        let day = event.occurredAt.utf8.count >= 10 ? String(event.occurredAt.prefix(10)) : ""
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else {
            throw ValidationError(field: "occurred_at", value: event.occurredAt, reason: Message(.vTimestampShort))
        }
        let nik = try NIK(text, referenceYear: parts[0])
        event.subject = pseudonymizer.subject(for: nik)
        event.subjectSex = nik.sex.rawValue
        event.subjectAgeBand = NIK.ageBand(nik.age(year: parts[0], month: parts[1], day: parts[2]))
    }

    private func string(_ object: [String: JSONValue], _ key: String, required: Bool = false) throws(ValidationError) -> String? {
        switch object[key] {
        case nil, .null?:
            if required { throw ValidationError(field: key, value: nil, reason: Message(.vRequired)) }
            return nil
        case .string(let text)?:
            if text.isEmpty && required { throw ValidationError(field: key, value: text, reason: Message(.vNotEmpty)) }
            return text
        case let other?:
            throw ValidationError(
                field: key, value: other.displayText,
                reason: Message(key == "nik" ? .vNIKString : .vString))
        }
    }
}
