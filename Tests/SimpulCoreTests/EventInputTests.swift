import Foundation
import SimpulCore
import Testing

/// One parser for event input on every path: what `record --file` refuses, the local API and the control socket
/// refuse too (Foundation's decoder took a duplicate key's last value, where the byte-level parser refuses it).
@Suite struct EventInputTests {
    @Test func oneObjectOrAnEventsArray() throws {
        #expect(try EventInput.objects(from: Data(#"{"kind":"request.received"}"#.utf8)).count == 1)
        #expect(try EventInput.objects(from: Data(#"{"events":[{"kind":"a"},{"kind":"b"}]}"#.utf8)).count == 2)
    }

    @Test("refused the same way as record --file", arguments: [
        #"{"kind":"request.received","kind":"request.referred"}"#,  // a duplicate key
        #"{"events":[{"kind":"a"}],"extra":1}"#,
        #"{"events":[1]}"#,
        #"[{"kind":"a"}]"#,
        "{\"kind\":\"a\u{0}\"}",
    ])
    func refusals(body: String) {
        #expect(throws: ValidationError.self) { try EventInput.objects(from: Data(body.utf8)) }
    }

    @Test func invalidUTF8IsRefused() {
        #expect(throws: ValidationError.self) { try EventInput.objects(from: Data([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])) }
    }
}
