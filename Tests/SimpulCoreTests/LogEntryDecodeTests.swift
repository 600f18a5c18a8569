import Foundation
import SimpulCore
import Testing

/// Entries are decoded member by member, without building dictionaries; the result and the strictness must
/// be those of parsing to a `JSONValue` first.
@Suite("Log entry decoding")
struct LogEntryDecodeTests {
    static let event = #"{"attrs":{"a":[1,{"b":null}]},"case":"c-1","channel":"counter","id":"01a22bae-e99d-78dc-8f62-3acd2cbf8d27","kind":"request.received","occurred_at":"2026-11-30T09:15:00+07:00","service":"ADM.KK"}"#

    static func entry(event: String = event, tail: String = #","hlc":77,"node":"35.07.01","seq":3"#) -> LogEntry {
        LogEntry(seq: 3, bytes: Data(#"{"event":\#(event)\#(tail)}"#.utf8))
    }

    @Test("a well-formed entry decodes to what the dictionary path gives")
    func matchesTheDictionaryPath() throws {
        let content = try Self.entry().decode()
        guard case .object(let object) = try JSONParser.parse(Data(Self.event.utf8)) else { throw ValidationError(field: "", value: nil, reason: "") }
        #expect(content.event == (try Event(json: object)))
        #expect(content.hlc == 77 && content.node == "35.07.01" && content.seq == 3)
        #expect(content.event.attrs == ["a": .array([.integer(1), .object(["b": .null])])])
    }

    @Test("a repeated key, a trailing comma, a missing or unknown member, or trailing data is refused",
          arguments: [
              entry(event: #"{"kind":"request.received","kind":"request.received","case":"c","id":"x","service":"s","occurred_at":"t"}"#),
              entry(tail: #","hlc":77,"node":"35.07.01","seq":3,"seq":3"#),
              entry(tail: #","hlc":77,"node":"35.07.01","seq":3,"#),
              entry(tail: #","hlc":77,"node":"35.07.01""#),
              entry(tail: #","hlc":77,"node":"35.07.01","seq":3,"nik":"3507014509900001""#),
              entry(event: #"{"nik":"3507014509900001","kind":"request.received","case":"c","id":"x","service":"s","occurred_at":"t"}"#),
              entry(event: #"["not","an","object"]"#),
              entry(tail: #","hlc":"77","node":"35.07.01","seq":3"#),
              LogEntry(seq: 3, bytes: entry().bytes + Data(" {}".utf8)),
              LogEntry(seq: 3, bytes: Data(#"[1]"#.utf8)),
          ])
    func refusesMalformed(entry: LogEntry) {
        #expect(throws: (any Error).self) { try entry.decode() }
    }
}
