import Foundation
import Testing
@testable import SimpulCore

@Suite("JSON parser and canonical encoding")
struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Data(text.utf8))
    }

    @Test("parses every JSON type, keeping integers apart from fractions")
    func parsesAllTypes() throws {
        let value = try parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null], "b": {"c": "d"}, "e": ""} "#)
        #expect(value == .object([
            "a": .array([.integer(1), .integer(-2), .number(3.5), .number(1000), .bool(true), .bool(false), .null]),
            "b": .object(["c": .string("d")]), "e": .string(""),
        ]))
    }

    @Test("decodes escapes, including surrogate pairs, and keeps raw UTF-8")
    func decodesEscapes() throws {
        let value = try parse(#"["a\"b\\c\/d\n\t\u00e9\ud83d\ude00", "Désa Tulungrejo"]"#)
        #expect(value == .array([.string("a\"b\\c/d\n\té😀"), .string("Désa Tulungrejo")]))
    }

    @Test("agrees with Foundation on what it accepts", arguments: [
        #"{"kind":"request.received","attrs":{"n":[1,2,{"x":null}]}}"#, #"[]"#, #"{}"#, #""x""#, #"-0.5e-3"#, #"0"#,
    ])
    func agreesWithFoundation(_ text: String) throws {
        let ours = try parse(text)
        let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(ours == theirs)
    }

    @Test("refuses malformed input, naming the byte offset", arguments: [
        (#"{"a":1,}"#, 7), (#"{"a" 1}"#, 5), (#"[1 2]"#, 3), (#"{"a":01}"#, 6), (#""abc"#, 4), ("[1]x", 3), (#"{"a":tru}"#, 5),
        ("\"a\u{01}b\"", 2), (#""\ud800""#, 7), (#"{"a":1,"a":2}"#, 7), ("", 0),
    ])
    func refusesMalformed(_ text: String, _ offset: Int) {
        #expect(throws: JSONParser.SyntaxError.self) { try parse(text) }
        do { _ = try JSONParser.parse(Data(text.utf8)) } catch { #expect(error.offset == offset, "for \(text): \(error)") }
    }

    @Test("refuses nesting deeper than 32 levels")
    func refusesDeepNesting() {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(throws: JSONParser.SyntaxError.self) { try parse(deep) }
    }

    @Test("canonical event bytes are sorted, compact, and decode back to the same event both ways")
    func canonicalRoundTrip() throws {
        let event = Event(
            id: "01a22bae-e99d-78dc-8f62-3acd2cbf8d27", kind: .requestCompleted, caseID: "case-1", service: "ADM.KTPEL",
            desa: "35.07.01.2001", channel: .villageReferral, officer: "Bu \"Sri\" / loket 2", occurredAt: "2026-11-30T09:15:00+07:00",
            attrs: ["z": .integer(3), "a": .array([.bool(true), .number(0.25), .string("x\ny")]), "m": .object(["k": .null])],
            subject: String(repeating: "ab", count: 32), subjectSex: "F", subjectAgeBand: "25-44")
        let bytes = try event.canonicalJSON()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains(" :") && !text.contains(": "))
        #expect(text.hasPrefix(#"{"attrs":{"a":[true,0.25,"x\ny"],"m":{"k":null},"z":3},"case":"case-1","channel":"village_referral""#))
        let viaFoundation = try JSONDecoder().decode(Event.self, from: bytes)
        #expect(viaFoundation == event)
        guard case .object(let object) = try JSONParser.parse(bytes) else { throw ValidationError(field: "", value: nil, reason: "") }
        let viaParser = try Event(json: object)
        #expect(viaParser == event)
        let again = try event.canonicalJSON()
        #expect(again == bytes)
    }

    @Test("a stored event with an unknown field such as a raw nik is refused")
    func storedEventRefusesUnknownField() throws {
        guard case .object(var object) = try parse(#"{"id":"01a22bae-e99d-78dc-8f62-3acd2cbf8d27","kind":"request.received","case":"c","service":"ADM.KK","occurred_at":"2026-11-30T09:15:00+07:00"}"#) else {
            Issue.record("not an object")
            return
        }
        #expect(throws: Never.self) { try Event(json: object) }
        object["nik"] = .string("3507014509900001")
        #expect(throws: ValidationError.self) { try Event(json: object) }
        object["nik"] = nil
        object["kind"] = .integer(3)
        #expect(throws: ValidationError.self) { try Event(json: object) }
    }

    @Test("splitting lines keeps empty lines and a final unterminated line")
    func splitsLines() {
        #expect(Lines.split(Data("a\n\nbc\nd".utf8)) == [Data("a".utf8), Data(), Data("bc".utf8), Data("d".utf8)])
        #expect(Lines.split(Data("x\n".utf8)) == [Data("x".utf8), Data()])
        #expect(Lines.split(Data()) == [Data()])
    }
}
