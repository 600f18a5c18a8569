/// The rules every stored event obeys, checked by the node before it records and by the aggregator
/// on every entry it ingests (so a validly signed batch with an invalid event is still refused).
public struct EventRules: Sendable {
    public var catalogue: ServiceCatalogue
    public var wilayah: Wilayah
    /// Accept desa codes that are well formed but not in the shipped list (config `allow_unknown_wilayah`).
    public var allowUnknownWilayah: Bool

    public init(catalogue: ServiceCatalogue = .shipped, wilayah: Wilayah = .shipped, allowUnknownWilayah: Bool = false) {
        self.catalogue = catalogue
        self.wilayah = wilayah
        self.allowUnknownWilayah = allowUnknownWilayah
    }

    static let ageBands: Set<String> = ["0-4", "5-14", "15-24", "25-44", "45-59", "60+"]

    public func check(_ e: Event) throws(ValidationError) {
        for (field, value) in [("case", e.caseID), ("officer", e.officer), ("reason", e.reason), ("provider", e.provider)] {
            if let value, Self.containsNIKShapedNumber(value) {
                throw ValidationError(
                    field: field, value: nil,
                    reason: Message(.vNIKShaped))
            }
        }
        guard Self.isUUIDShaped(e.id) else {
            throw ValidationError(field: "id", value: e.id, reason: Message(.vUUID))
        }
        guard Self.isToken(e.caseID, extra: "._-", upper: true, lower: true) else {
            throw ValidationError(field: "case", value: e.caseID, reason: Message(.vCaseID))
        }
        guard Self.isToken(e.service, extra: "._-", upper: true, lower: true) else {
            throw ValidationError(field: "service", value: e.service,
                                  reason: Message(.vServiceCode, ["max": EventLimits.identifierBytes]))
        }
        guard catalogue.services[e.service] != nil else {
            throw ValidationError(
                field: "service", value: e.service,
                reason: Message(.vServiceUnknown, ["examples": catalogue.codes.prefix(3).joined(separator: ", ")]))
        }
        if let desa = e.desa {
            guard Wilayah.isDesaCodeShaped(desa) else {
                throw ValidationError(field: "desa", value: desa, reason: Message(.vDesaCode))
            }
            if !allowUnknownWilayah && !wilayah.desa.contains(desa) {
                throw ValidationError(
                    field: "desa", value: desa,
                    reason: Message(.vDesaUnknown))
            }
        } else if e.kind.opensCase {
            throw ValidationError(field: "desa", value: nil, reason: Message(.vDesaRequired, ["kind": e.kind.rawValue]))
        }
        if e.channel == nil && e.kind.opensCase {
            throw ValidationError(field: "channel", value: nil, reason: Message(.vRequiredFor, ["kind": e.kind.rawValue]))
        }
        if let officer = e.officer {
            guard !officer.isEmpty, officer.utf8.count <= EventLimits.officerBytes else {
                throw ValidationError(field: "officer", value: officer,
                                      reason: Message(.vOfficerLength, ["max": EventLimits.officerBytes, "bytes": officer.utf8.count]))
            }
            if let problem = EventLimits.freeTextProblem(officer) { throw ValidationError(field: "officer", value: officer, reason: problem) }
        }
        if let provider = e.provider {
            guard Self.isToken(provider, extra: "._-", upper: true, lower: false) else {
                throw ValidationError(field: "provider", value: provider, reason: Message(.vProviderCode))
            }
        } else if e.kind.needsProvider {
            throw ValidationError(field: "provider", value: nil, reason: Message(.vProviderRequired, ["kind": e.kind.rawValue]))
        }
        if let reason = e.reason {
            guard Self.isToken(reason, extra: "._", upper: false, lower: true) else {
                throw ValidationError(field: "reason", value: reason, reason: Message(.vReasonCode))
            }
        } else if e.kind.needsReason {
            throw ValidationError(field: "reason", value: nil, reason: Message(.vReasonRequired, ["kind": e.kind.rawValue]))
        }
        guard let stamp = RFC3339.parse(e.occurredAt) else {
            throw ValidationError(
                field: "occurred_at", value: e.occurredAt,
                reason: Message(.vTimestamp))
        }
        guard stamp.date.timeIntervalSince1970 >= 946_684_800 else {
            throw ValidationError(field: "occurred_at", value: e.occurredAt, reason: Message(.vBefore2000))
        }
        if let attrs = e.attrs { try checkAttrs(attrs) }
        try checkCaseAttrs(e)
        switch (e.kind, e.supersedes) {
        case (.eventCorrected, nil):
            throw ValidationError(field: "supersedes", value: nil, reason: Message(.vSupersedesRequired))
        case (.eventCorrected, let id?) where !Self.isUUIDShaped(id):
            throw ValidationError(field: "supersedes", value: id, reason: Message(.vSupersedesUUID))
        case (let kind, _?) where kind != .eventCorrected:
            throw ValidationError(field: "supersedes", value: e.supersedes, reason: Message(.vSupersedesOnlyCorrected))
        default: break
        }
        try checkSubject(e)
    }

    /// The most bytes `attrs` may take in the entry: keeps every entry well under the protocol's entry limit,
    /// so an accepted event can always be pushed.
    public static var maxAttrsBytes: Int { EventLimits.attrsBytes }

    private func checkAttrs(_ attrs: [String: JSONValue]) throws(ValidationError) {
        guard attrs.count <= EventLimits.attrsKeys else {
            throw ValidationError(field: "attrs", value: "\(attrs.count) keys", reason: Message(.vAttrsKeys, ["max": EventLimits.attrsKeys]))
        }
        var encoded = [UInt8]()
        CanonicalJSON.append(.object(attrs), to: &encoded)
        guard encoded.count <= Self.maxAttrsBytes else {
            throw ValidationError(field: "attrs", value: "\(encoded.count) bytes", reason: Message(.vAttrsBytes, ["max": Self.maxAttrsBytes]))
        }
        for (key, value) in attrs {
            try Self.refuseNIKShaped(key: key, value, parent: "attrs")
            guard Self.isToken(key, extra: "_", upper: false, lower: true), key.utf8.count <= EventLimits.attrKeyBytes else {
                throw ValidationError(field: "attrs", value: nil,
                                      reason: Message(.vAttrsKeyShape, ["max": EventLimits.attrKeyBytes]))
            }
            guard value.depth <= 2 else {
                throw ValidationError(field: "attrs.\(key)", value: nil, reason: Message(.vAttrsNesting))
            }
            try Self.checkAttrText(value, path: "attrs.\(key)")
        }
        // A NIK split across attributes (`{"a": "35070145", "b": "09900001"}`): the digits of all of them, read together.
        var digits = [UInt8]()
        NIKShape.digits(of: .object(attrs), into: &digits)
        if NIKShape.structured(digits) {
            throw ValidationError(field: "attrs", value: nil,
                                  reason: Message(.vNIKSplit))
        }
    }

    /// Every string in an attribute, at any depth: at most `attrStringBytes` bytes of free text.
    static func checkAttrText(_ value: JSONValue, path: String) throws(ValidationError) {
        switch value {
        case .string(let text):
            guard text.utf8.count <= EventLimits.attrStringBytes else {
                throw ValidationError(field: path, value: nil, reason: Message(.vAttrsString, ["max": EventLimits.attrStringBytes]))
            }
            if let problem = EventLimits.freeTextProblem(text) { throw ValidationError(field: path, value: nil, reason: problem) }
        case .array(let values):
            for (index, element) in values.enumerated() { try checkAttrText(element, path: "\(path)[\(index)]") }
        case .object(let members):
            for (key, member) in members {
                if let problem = EventLimits.freeTextProblem(key) { throw ValidationError(field: path, value: nil, reason: "keys " + problem) }
                try checkAttrText(member, path: path)
            }
        default:
            break
        }
    }

    /// Walks a value (keys, strings and numbers at any depth) for anything shaped like a NIK.
    /// The error names the parent when the key itself is the NIK-shaped part, so the error never carries it.
    static func refuseNIKShaped(key: String, _ value: JSONValue, parent: String) throws(ValidationError) {
        let reason = "looks like a NIK; pass a NIK only in the 'nik' field, which is pseudonymised and never stored"
        if containsNIKShapedNumber(key) { throw ValidationError(field: parent, value: nil, reason: "has a key that " + reason) }
        let path = key.isEmpty ? parent : "\(parent).\(key)"
        switch value {
        case .string(let text) where containsNIKShapedNumber(text):
            throw ValidationError(field: path, value: nil, reason: reason)
        case .integer(let number) where number <= -1_000_000_000_000_000 || number >= 1_000_000_000_000_000:
            throw ValidationError(field: path, value: nil, reason: reason)
        case .number(let number) where !(abs(number) < 1e15):
            throw ValidationError(field: path, value: nil, reason: reason)
        case .array(let values):
            for (index, element) in values.enumerated() { try refuseNIKShaped(key: "", element, parent: "\(path)[\(index)]") }
        case .object(let members):
            for (memberKey, member) in members { try refuseNIKShaped(key: memberKey, member, parent: path) }
        default:
            break
        }
    }

    /// `attrs.outcome` (a provider's response) and `attrs.case_node` (the office whose case a provider's event is about).
    private func checkCaseAttrs(_ e: Event) throws(ValidationError) {
        if let value = e.attrs?[Event.outcomeAttr] {
            guard e.kind == .providerResponded else {
                throw ValidationError(field: "outcome", value: nil, reason: Message(.vOutcomeOnlyResponded))
            }
            guard case .string(let code) = value, Self.isToken(code, extra: "._", upper: false, lower: true) else {
                throw ValidationError(field: "outcome", value: value.displayText, reason: Message(.vOutcomeCode))
            }
            if code == "declined" && e.reason == nil {
                throw ValidationError(field: "reason", value: nil, reason: Message(.vReasonDeclined))
            }
        }
        if let value = e.attrs?[Event.caseNodeAttr] {
            guard case .string(let node) = value, (try? NodeID.validate(node, allowUnknown: true)) != nil else {
                throw ValidationError(field: "case_node", value: value.displayText, reason: "must be the node id of the office whose case this is, e.g. 35.07.01")
            }
        }
    }

    private func checkSubject(_ e: Event) throws(ValidationError) {
        switch (e.subject, e.subjectSex, e.subjectAgeBand) {
        case (nil, nil, nil):
            return
        case (let subject?, let sex?, let band?):
            guard subject.utf8.count == 64, Hex.decode(subject) != nil, subject == subject.lowercased() else {
                throw ValidationError(field: "subject", value: subject, reason: "must be a 64-digit lower-case hex pseudonym")
            }
            guard sex == "F" || sex == "M" else {
                throw ValidationError(field: "subject_sex", value: sex, reason: "must be F or M")
            }
            guard Self.ageBands.contains(band) else {
                throw ValidationError(field: "subject_age_band", value: band, reason: "must be one of \(Self.ageBands.sorted().joined(separator: ", "))")
            }
        default:
            throw ValidationError(field: "subject", value: nil, reason: "subject, subject_sex and subject_age_band come together or not at all")
        }
    }

    /// True when the text holds a NIK's 16 digits in a row (`NIKShape.occurs`: separators between groups and other
    /// scripts' digits included). A UUID (an event or case id, hex digits in hyphenated groups) is not a NIK.
    static func containsNIKShapedNumber(_ text: String) -> Bool {
        if isUUIDShaped(text.lowercased()) { return false }
        return NIKShape.occurs(in: text)
    }

    public static func isUUIDShaped(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 36 else { return false }
        for (i, c) in b.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return false }
            } else {
                guard (c >= 48 && c <= 57) || (c >= 97 && c <= 102) else { return false }
            }
        }
        return true
    }

    static func isToken(_ text: String, extra: StaticString, upper: Bool, lower: Bool) -> Bool {
        guard !text.isEmpty, text.utf8.count <= EventLimits.identifierBytes else { return false }
        let extras = UnsafeBufferPointer(start: extra.utf8Start, count: extra.utf8CodeUnitCount)
        return text.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (upper && c >= 65 && c <= 90) || (lower && c >= 97 && c <= 122) || extras.contains(c)
        }
    }
}
