import Testing
@testable import SimpulCore

/// One set of limits, in bytes: what a character count would let through is refused at record time.
@Suite("Event byte limits")
struct EventLimitsTests {
    @Test("officer: 64 bytes of UTF-8 at most, whatever the character count", arguments: [
        ("a" + String(repeating: "\u{0301}", count: 100), false),  // one visible character, 201 bytes
        (String(repeating: "😀", count: 17), false),  // 68 bytes
        (String(repeating: "😀", count: 16), true),  // 64 bytes
        (String(repeating: "é", count: 32), true),  // 64 bytes
        (String(repeating: "é", count: 33), false),
    ])
    func officerBytes(officer: String, accepted: Bool) {
        let error = Fixture.refusal(Fixture.request(["officer": .string(officer)]))
        #expect((error == nil) == accepted, "\(officer.utf8.count) bytes: \(String(describing: error))")
        if let error { #expect(error.field == "officer") }
    }

    @Test("free text refuses NUL, control characters, DEL, C1 controls and U+FFFD (bytes that were not UTF-8)", arguments: [
        "Sari\u{0}", "Sari\u{1B}[2J", "Sari\u{7F}", "Sari\u{85}", "Sa\u{FFFD}ri",
    ])
    func freeTextCharacters(officer: String) {
        let error = Fixture.refusal(Fixture.request(["officer": .string(officer)]))
        #expect(error?.field == "officer")
        #expect(error.map { !$0.description.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } } == true,
                "the error carries a raw control character")
    }

    @Test("attribute strings obey the same text rules, at any depth")
    func attributeText() {
        let nested: JSONValue = .object(["note": .array([.string("ok"), .string("bad\u{0}")])])
        #expect(Fixture.refusal(Fixture.request(["attrs": .object(["detail": nested])]))?.field.hasPrefix("attrs.detail") == true)
        #expect(Fixture.refusal(Fixture.request(["attrs": .object(["note": .string(String(repeating: "é", count: 129))])]))?.field == "attrs.note")
        #expect(Fixture.refusal(Fixture.request(["attrs": .object(["note": .string(String(repeating: "é", count: 128))])])) == nil)
    }

    @Test("identifiers are ASCII, compared byte for byte", arguments: ["ADM.KTPÉL", "ADM.KTPEL\u{301}", "ＡＤＭ.KTPEL"])
    func identifiersAreASCII(service: String) {
        #expect(Fixture.refusal(Fixture.request(["service": .string(service)]))?.field == "service")
    }

    @Test("an error shows at most 60 scalars of a value, so 40 KB of combining marks cannot flood a terminal")
    func errorsAreBounded() {
        let huge = "a" + String(repeating: "\u{0301}", count: 20_000)
        let error = Fixture.refusal(Fixture.request(["officer": .string(huge)]))
        #expect(error?.field == "officer")
        #expect((error?.description.utf8.count ?? 0) < 400)
    }
}
