import Foundation

extension Event {
    /// Reads a stored event from parsed JSON, strictly: required fields present and of the right type,
    /// no unknown field (so an entry smuggling a raw `nik` is refused).
    public init(json object: [String: JSONValue]) throws(ValidationError) {
        var fields = StoredFields()
        for (key, value) in object { _ = try fields.set(key, value) }
        self = try fields.event()
    }

    /// Reads a stored event member by member straight from the parser (no dictionary built): the fast path of
    /// ingest and verify. The same rules as `init(json:)`; a repeated key is a syntax error.
    init(parsing parser: inout JSONParser) throws {
        var fields = StoredFields()
        var first = true
        while let (key, offset) = try parser.nextKey(first: &first) {
            guard try fields.set(key, try parser.value()) else { throw JSONParser.duplicateKey(key, at: offset) }
        }
        self = try fields.event()
    }

    /// The fields of a stored event as they are read, checked for type and then for presence.
    struct StoredFields {
        var id, kind, caseID, service, desa, channel, officer, provider, reason, occurredAt: String?
        var supersedes, subject, subjectSex, subjectAgeBand: String?
        var attrs: [String: JSONValue]?
        var hasAttrs = false

        /// False when the field was already set (a repeated key, possible only when reading straight from bytes).
        mutating func set(_ key: String, _ value: JSONValue) throws(ValidationError) -> Bool {
            guard let field = CodingKeys(rawValue: key) else {
                throw ValidationError(field: key, value: nil, reason: "is not a field of a stored event")
            }
            if field == .attrs {
                if hasAttrs { return false }
                guard case .object(let object) = value else {
                    throw ValidationError(field: "attrs", value: value.displayText, reason: "must be an object")
                }
                attrs = object
                hasAttrs = true
                return true
            }
            guard case .string(let text) = value else { throw ValidationError(field: key, value: value.displayText, reason: "must be a string") }
            func put(_ slot: inout String?) -> Bool {
                if slot != nil { return false }
                slot = text
                return true
            }
            switch field {
            case .id: return put(&id)
            case .kind: return put(&kind)
            case .caseID: return put(&caseID)
            case .service: return put(&service)
            case .desa: return put(&desa)
            case .channel: return put(&channel)
            case .officer: return put(&officer)
            case .provider: return put(&provider)
            case .reason: return put(&reason)
            case .occurredAt: return put(&occurredAt)
            case .supersedes: return put(&supersedes)
            case .subject: return put(&subject)
            case .subjectSex: return put(&subjectSex)
            case .subjectAgeBand: return put(&subjectAgeBand)
            case .attrs: return true
            }
        }

        func event() throws(ValidationError) -> Event {
            func required(_ text: String?, _ field: CodingKeys) throws(ValidationError) -> String {
                guard let text else { throw ValidationError(field: field.rawValue, value: nil, reason: "is required") }
                return text
            }
            let kindText = try required(kind, .kind)
            guard let kind = EventKind(rawValue: kindText) else {
                throw ValidationError(field: "kind", value: kindText, reason: "is not a known kind")
            }
            var parsedChannel: Channel?
            if let channel {
                guard let parsed = Channel(rawValue: channel) else {
                    throw ValidationError(field: "channel", value: channel, reason: "is not a known channel")
                }
                parsedChannel = parsed
            }
            return Event(
                id: try required(id, .id), kind: kind, caseID: try required(caseID, .caseID), service: try required(service, .service),
                desa: desa, channel: parsedChannel, officer: officer, provider: provider, reason: reason,
                occurredAt: try required(occurredAt, .occurredAt), attrs: attrs, supersedes: supersedes, subject: subject,
                subjectSex: subjectSex, subjectAgeBand: subjectAgeBand)
        }
    }
}
