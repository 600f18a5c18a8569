import Foundation
import SimpulCore
import Testing

@Suite("Event validation")
struct EventBuilderTests {
    let builder = Fixture.builder()

    @Test("the issue's example line builds an event with a generated id, case, channel and time")
    func buildsExampleLine() throws {
        let line = Data(#"{"kind":"request.received","service":"ADM.KTPEL","desa":"35.07.01.2001","nik":"3507014509900001"}"#.utf8)
        let event = try builder.build(jsonLine: line, now: Fixture.now)
        #expect(EventRules.isUUIDShaped(event.id))
        #expect(EventRules.isUUIDShaped(event.caseID))
        #expect(event.id != event.caseID)
        #expect(event.kind == .requestReceived)
        #expect(event.channel == .counter)
        #expect(event.occurredAt == RFC3339.format(Fixture.now))
        #expect(event.subject != nil)
    }

    @Test("a NIK becomes the keyed pseudonym HMAC-SHA-256(key, NIK), with sex and age band")
    func pseudonymisesNIK() throws {
        let event = try builder.build(object: Fixture.request(["nik": .string("3507014509900001")]), now: Fixture.now)
        // Computed independently: python3 hmac.new(bytes(range(1,33)), b'3507014509900001', sha256)
        #expect(event.subject == "bc9b227b3d97249a37ae649813dab0460eafd107933ad49b3559589bb2c345e2")
        #expect(event.subjectSex == "F")
        #expect(event.subjectAgeBand == "25-44")  // born 5 Sep 1990, seen 1 Mar 2026: 35
        let json = String(decoding: try event.canonicalJSON(), as: UTF8.self)
        #expect(!json.contains("3507014509900001"))
        #expect(!json.contains("\"nik\""))
    }

    @Test("another key gives another pseudonym for the same NIK")
    func pseudonymDependsOnKey() throws {
        let other = EventBuilder(rules: EventRules(), pseudonymizer: try Pseudonymizer(keyBytes: Data(repeating: 7, count: 32)))
        let object = Fixture.request(["nik": .string("3507014509900001")])
        let a = try builder.build(object: object, now: Fixture.now)
        let b = try other.build(object: object, now: Fixture.now)
        #expect(a.subject != b.subject)
    }

    @Test("the age band is taken on the day the event occurred", arguments: [
        ("3507010203110001", "5-14"),  // born 2 Mar 2011: still 14 on 1 Mar 2026
        ("3507010103110001", "15-24"),  // born 1 Mar 2011: 15 that day
        ("3507014103660001", "60+"),  // a woman born 1 Mar 1966
        ("3507010102260001", "0-4"),  // born 1 Feb 2026
    ])
    func ageBandOnOccurredAt(nik: String, band: String) throws {
        let event = try builder.build(object: Fixture.request(["nik": .string(nik)]), now: Fixture.now)
        #expect(event.subjectAgeBand == band)
    }

    @Test("a pseudonym key shorter than 32 bytes is refused")
    func shortKeyRefused() {
        #expect(throws: ValidationError.self) { try Pseudonymizer(keyBytes: Data(repeating: 1, count: 31)) }
    }

    @Test("a NIK without a pseudonym key is refused rather than dropped")
    func nikWithoutKey() throws {
        let keyless = EventBuilder(rules: EventRules(), pseudonymizer: nil)
        let error = try #require(Fixture.refusal(Fixture.request(["nik": .string("3507014509900001")]), builder: keyless))
        #expect(error.field == "nik")
    }

    @Test("an invalid value gives an error naming the field and the value", arguments: [
        ("service", JSONValue.string("ADM.NOPE")),
        ("desa", .string("35.07.01.2999")),  // well formed, not in the Kemendagri list
        ("desa", .string("35.7.1.2001")),
        ("channel", .string("fax")),
        ("kind", .string("request.recieved")),
        ("occurred_at", .string("2026-03-01T09:00:00")),  // no offset
        ("occurred_at", .string("1999-12-31T23:59:59Z")),
        ("officer", .string("ani\u{7}")),
        ("case", .string("has space")),
        ("attrs", .string("loose")),
        ("service", .integer(7)),
    ])
    func namesFieldAndValue(field: String, value: JSONValue) throws {
        let error = try #require(Fixture.refusal(Fixture.request([field: value])))
        #expect(error.field == field)
        #expect(error.value == value.displayText)
        #expect(error.description.contains("'\(field)'"))
        // Shown as given, but with control characters escaped (an error must not drive the terminal).
        #expect(error.description.contains(value.displayText.replacingOccurrences(of: "\u{7}", with: "\\u{7}")))
    }

    @Test("a missing required field is named", arguments: [
        (["kind": JSONValue.string("request.received"), "service": .string("ADM.KTPEL")], "desa"),
        (["service": .string("ADM.KTPEL"), "desa": .string("35.07.01.2001")], "kind"),
        (["kind": .string("request.received"), "desa": .string("35.07.01.2001")], "service"),
        (["kind": .string("request.completed"), "service": .string("ADM.KTPEL")], "case"),
        (["kind": .string("request.referred"), "case": .string("C1"), "service": .string("ADM.KTPEL")], "provider"),
        (["kind": .string("request.rejected"), "case": .string("C1"), "service": .string("ADM.KTPEL")], "reason"),
    ])
    func namesMissingField(object: [String: JSONValue], field: String) throws {
        let error = try #require(Fixture.refusal(object))
        #expect(error.field == field)
        #expect(error.value == nil)
    }

    @Test("an unknown field is refused, and so are the derived subject fields", arguments: ["nick", "subject", "subject_sex", "Kind"])
    func unknownFieldRefused(field: String) throws {
        let error = try #require(Fixture.refusal(Fixture.request([field: .string("x")])))
        #expect(error.field == field)
        #expect(error.reason.contains("not a known field"))
    }

    @Test("a bad NIK is refused without echoing it, whatever form it takes", arguments: [
        JSONValue.string("3507014509900000"),  // serial 0000
        .string("3507013111950001"),  // 31 November
        .integer(3507014509900001),  // a JSON number
        .number(3507014509900001),
    ])
    func badNIKNotEchoed(nik: JSONValue) throws {
        let error = try #require(Fixture.refusal(Fixture.request(["nik": nik])))
        #expect(error.field == "nik")
        #expect(!error.description.contains("350701450990"))
        #expect(!error.description.contains("350701311195"))
        #expect(!error.description.contains("3.507"))
    }

    @Test("a NIK in a line that is not valid JSON is not echoed", arguments: [
        #"{"kind":"request.received","nik":"3507014509900001""#,
        #"{"nik":"3507014509900001" "kind":"request.received"}"#,
        #"["3507014509900001"]"#,
    ])
    func malformedLineNotEchoed(text: String) throws {
        let line = Data(text.utf8)
        let error = try #require(throws: ValidationError.self) { try builder.build(jsonLine: line, now: Fixture.now) }
        #expect(error.field == "(line)")
        #expect(!error.description.contains("3507014509900001"))
    }

    @Test("a NIK-shaped attribute is refused and not echoed")
    func nikInAttrsRefused() throws {
        let attrs = JSONValue.object(["pemohon": .string("3507014509900001")])
        let error = try #require(Fixture.refusal(Fixture.request(["attrs": attrs])))
        #expect(error.field == "attrs.pemohon")
        #expect(!error.description.contains("3507014509900001"))
    }

    @Test("event.corrected needs supersedes, naming a UUID")
    func correctionNeedsSupersedes() throws {
        let base: [String: JSONValue] = [
            "kind": .string("event.corrected"), "case": .string("C1"), "service": .string("ADM.KTPEL"),
        ]
        let missing = try #require(Fixture.refusal(base))
        #expect(missing.field == "supersedes")

        var malformed = base
        malformed["supersedes"] = .string("yesterday")
        let bad = try #require(Fixture.refusal(malformed))
        #expect(bad.field == "supersedes")
        #expect(bad.value == "yesterday")

        var good = base
        let target = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"
        good["supersedes"] = .string(target)
        let event = try builder.build(object: good, now: Fixture.now)
        #expect(event.supersedes == target)
    }

    @Test("supersedes is refused on any kind but event.corrected")
    func supersedesOnlyOnCorrection() throws {
        let error = try #require(Fixture.refusal(Fixture.request(["supersedes": .string("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b")])))
        #expect(error.field == "supersedes")
    }

    @Test("a stored event refuses to decode with a raw nik field")
    func storedEventRefusesNIK() throws {
        let event = try builder.build(object: Fixture.request(), now: Fixture.now)
        var object = try JSONDecoder().decode([String: JSONValue].self, from: event.canonicalJSON())
        #expect(try JSONDecoder().decode(Event.self, from: event.canonicalJSON()) == event)
        object["nik"] = .string("3507014509900001")
        let smuggled = try JSONEncoder().encode(object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Event.self, from: smuggled) }
    }
}

@Suite("Catalogue and wilayah")
struct ReferenceDataTests {
    @Test("the shipped catalogue holds the issue's example services")
    func shippedCatalogue() {
        for code in ["ADM.KTPEL", "ADM.AKTA_LAHIR", "PATEN.NP.SKTM", "PATEN.P.IMB", "SPM.KES.BUMIL"] {
            #expect(ServiceCatalogue.shipped.services[code] != nil, "missing \(code)")
        }
    }

    @Test("a province's own catalogue replaces the shipped one in validation")
    func customCatalogue() throws {
        let csv = "# ours\ncode,name,category,target_days\n\nX.ONE,Layanan satu,lain,3\n"
        let catalogue = try ServiceCatalogue(csv: csv, source: "ours.csv")
        #expect(catalogue.codes == ["X.ONE"])
        #expect(catalogue.services["X.ONE"]?.targetDays == 3)
        let builder = Fixture.builder(rules: EventRules(catalogue: catalogue))
        let event = try builder.build(object: Fixture.request(["service": .string("X.ONE")]), now: Fixture.now)
        #expect(event.service == "X.ONE")
        let error = try #require(Fixture.refusal(Fixture.request(), builder: builder))
        #expect(error.field == "service")
        #expect(error.value == "ADM.KTPEL")
    }

    @Test("a malformed catalogue is refused, naming the source and the line", arguments: [
        ("code,name,target_days\nX.ONE,a,b,1\n", "line 1"),
        ("code,name,category,target_days\nX.ONE,a,b,1\nX.ONE,c,d,2\n", "line 3"),
        ("code,name,category,target_days\nX.ONE,a,b,soon\n", "line 2"),
        ("code,name,category,target_days\nx.one,a,b,1\n", "line 2"),
        ("code,name,category,target_days\nX.ONE,a,b\n", "line 2"),
        ("code,name,category,target_days\n", "no services"),
    ])
    func malformedCatalogue(csv: String, mentions: String) throws {
        let error = try #require(throws: ValidationError.self) { try ServiceCatalogue(csv: csv, source: "bad.csv") }
        #expect(error.field == "catalogue")
        #expect(error.value == "bad.csv")
        #expect(error.reason.contains(mentions))
    }

    @Test("the shipped wilayah knows Donomulyo and its desa Tulungrejo")
    func shippedWilayah() {
        #expect(Wilayah.shipped.kecamatan["35.07.01"]?.name == "Donomulyo")
        #expect(Wilayah.shipped.kecamatan["35.07.01"]?.provinsi == "Jawa Timur")
        #expect(Wilayah.shipped.desa["35.07.01.2001"]?.name == "Tulungrejo")
        #expect(Wilayah.shipped.desa["35.07.01.2001"]?.kecamatan == "35.07.01")
        #expect(Wilayah.shipped.desa["35.07.01.2999"] == nil)
    }

    @Test("allow_unknown_wilayah accepts a well-formed desa outside the list, but never a malformed one")
    func unknownWilayahAllowed() throws {
        let builder = Fixture.builder(rules: EventRules(allowUnknownWilayah: true))
        let event = try builder.build(object: Fixture.request(["desa": .string("35.07.01.2999")]), now: Fixture.now)
        #expect(event.desa == "35.07.01.2999")
        for bad in ["35.07.01.9001", "35.07.01.200", "35-07-01-2001", "35.07.01.2001 "] {
            let error = try #require(Fixture.refusal(Fixture.request(["desa": .string(bad)]), builder: builder))
            #expect(error.field == "desa")
            #expect(error.value == bad)
        }
    }

    @Test("node ids are kecamatan codes from the list, optionally with -NN")
    func nodeIDs() throws {
        try NodeID.validate("35.07.01")
        try NodeID.validate("35.07.01-02")
        try NodeID.validate("35.07.99", allowUnknown: true)
        for bad in ["35.07.99", "35.07.01-00", "35.07.01-2", "35.07.01-ab", "3507.01", "35.07.01.2001", ""] {
            let error = try #require(throws: ValidationError.self) { try NodeID.validate(bad) }
            #expect(error.field == "node_id")
            #expect(error.value == bad)
        }
    }
}

@Suite("NIKs hidden in free-form fields")
struct NIKShapedDataTests {
    @Test("a NIK-shaped value anywhere in attrs is refused and never echoed", arguments: [
        JSONValue.object(["no": .integer(3_507_012_345_678_901)]),
        .object(["x": .array([.string("ktp 3507012345678901")])]),
        .object(["x": .object(["y": .string("3507012345678901")])]),
        .object(["n3507012345678901": .string("a")]),
        // Written with spaces or dots, inside a longer run, or as a negative number.
        .object(["x": .string("NIK 3507 0123 4567 8901")]),
        .object(["x": .string("3507.0123.4567.8901")]),
        .object(["x": .string("no 35070123456789012")]),
        .object(["no": .integer(-3_507_012_345_678_901)]),
        .object(["no": .number(-3.507012345678901e15)]),
        // Other separators, other scripts' digits, and a NIK split across attributes.
        .object(["x": .string("3507/0123/4567/8901")]),
        .object(["x": .string("3507 - 0123 - 4567 - 8901")]),
        .object(["x": .string("3507_0123_4567_8901")]),
        .object(["x": .string("\u{FF13}\u{FF15}\u{FF10}\u{FF17}\u{FF10}\u{FF11}\u{FF12}\u{FF13}\u{FF14}\u{FF15}\u{FF16}\u{FF17}\u{FF18}\u{FF19}\u{FF10}\u{FF11}")]),
        .object(["x": .string("\u{0663}\u{0665}\u{0660}\u{0667}\u{0660}\u{0661}\u{0662}\u{0663}\u{0664}\u{0665}\u{0666}\u{0667}\u{0668}\u{0669}\u{0660}\u{0661}")]),
        .object(["a": .string("35070145"), "b": .string("09900001")]),
        .object(["a": .integer(35_070_145), "b": .object(["c": .string("0990-0001")])]),
    ])
    func refusedAnywhere(attrs: JSONValue) throws {
        let builder = EventBuilder(rules: EventRules(), pseudonymizer: nil)
        let object: [String: JSONValue] = ["kind": .string("request.received"), "service": .string("ADM.KTPEL"),
                                           "desa": .string("35.07.01.2001"), "attrs": attrs]
        do {
            _ = try builder.build(object: object, now: Date())
            Issue.record("accepted \(attrs)")
        } catch {
            #expect(error.field.hasPrefix("attrs"))
            #expect(!error.description.contains("3507012345678901"))
            #expect(!error.description.contains("35070145") && !error.description.contains("09900001"))
        }
    }

    @Test("numbers in attrs that are not a NIK pass: counts, a queue number, a kecamatan, a date, a phone number's length")
    func ordinaryNumbersPass() throws {
        let builder = EventBuilder(rules: EventRules(), pseudonymizer: nil)
        for attrs: [String: JSONValue] in [
            ["count": .integer(3), "rt": .string("004"), "rw": .string("002")],
            ["queue": .string("A-0123"), "loket": .integer(2), "tanggal": .string("2026-11-30")],
            ["ref": .string("35.07.01"), "queue_no": .string("0123456789")],  // 16 digits read together, but no NIK's date
        ] {
            let object: [String: JSONValue] = ["kind": .string("request.received"), "service": .string("ADM.KTPEL"),
                                               "desa": .string("35.07.01.2001"), "attrs": .object(attrs)]
            #expect(throws: Never.self, "\(attrs)") { try builder.build(object: object, now: Date()) }
        }
    }

    @Test("a NIK with spaces or dots in the officer field is refused and not echoed; short numbers and codes still pass")
    func groupedDigitsInFreeText() throws {
        let builder = EventBuilder(rules: EventRules(), pseudonymizer: nil)
        func officer(_ text: String) -> [String: JSONValue] {
            ["kind": .string("request.received"), "service": .string("ADM.KTPEL"), "desa": .string("35.07.01.2001"), "officer": .string(text)]
        }
        for nik in ["3507 0123 4567 8901", "3507.0123.4567.8901", "3507-0123-4567-8901", "35070123456789012"] {
            do {
                _ = try builder.build(object: officer(nik), now: Date())
                Issue.record("accepted \(nik)")
            } catch {
                #expect(error.field == "officer" && !error.description.contains(nik), "\(error)")
            }
        }
        for fine in ["Sari 0812 3456 7890", "35.07.01.2001", "loket 2, 2026.11.30 10.15", "0190a000-0000-7000-8000-000000000010",
                     "12345678-1234-1234-1234-123456789012", "2026-11-30 09-15"] {
            #expect(throws: Never.self) { try builder.build(object: officer(fine), now: Date()) }
        }
    }

    @Test("attrs larger than 2 KiB as JSON are refused, so every recorded entry fits the aggregator's limit")
    func attrsSizeIsBounded() {
        var attrs = [String: JSONValue]()
        for i in 0..<12 { attrs["note_\(i)"] = .string(String(repeating: "x", count: 200)) }
        let builder = EventBuilder(rules: EventRules(), pseudonymizer: nil)
        let object: [String: JSONValue] = ["kind": .string("request.received"), "service": .string("ADM.KTPEL"),
                                           "desa": .string("35.07.01.2001"), "attrs": .object(attrs)]
        #expect(throws: ValidationError.self) { try builder.build(object: object, now: Date()) }
    }

    @Test("an error never echoes a NIK-shaped value typed into another field")
    func errorsRedactNIKShapedValues() {
        let builder = EventBuilder(rules: EventRules(), pseudonymizer: nil)
        let object: [String: JSONValue] = ["kind": .string("request.received"), "service": .string("3507012345678901"),
                                           "desa": .string("35.07.01.2001")]
        do {
            _ = try builder.build(object: object, now: Date())
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("3507012345678901"), "\(error)")
        }
    }
}
