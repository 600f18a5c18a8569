import Foundation
import SimpulCore
import SimpulNode
import Testing

@Suite("All-or-nothing import")
struct ImportTests {
    /// 100 lines with a blank line 10 (still counted) and `bad` at line 57.
    static func file(badLine57 bad: String) -> Data {
        var lines = (0..<100).map { Events.line($0) }
        lines[9] = ""
        lines[56] = bad
        return Events.ndjson(lines)
    }

    @Test("one invalid line stores nothing, and the error names line 57 and the field", arguments: [
        (#"{"kind":"request.received","service":"ADM.KTPEL","desa":"35.07.01.2999"}"#, "desa"),
        (#"{"kind":"request.received","service":"ADM.NOPE","desa":"35.07.01.2001"}"#, "service"),
        (#"{"kind":"request.received","service":"ADM.KTPEL","desa":"35.07.01.2001","nick":"x"}"#, "nick"),
        (#"{"kind":"request.completed","service":"ADM.KTPEL"}"#, "case"),
        (#"{"kind":"request.received","service":"ADM.KTPEL","desa":"35.07.01.2001","nik":"3507014509900000"}"#, "nik"),
        (#"{"kind":"request.received","service":"ADM.KTPEL","desa":"35.07.01.2001","occurred_at":"2026-03-01 09:00"}"#, "occurred_at"),
        (#"{"kind":"request.received","service":"ADM.KTPEL""#, "(line)"),
    ])
    func invalidLineStoresNothing(bad: String, field: String) throws {
        try withTestNode { node in
            let recorder = try node.recorder()
            _ = try recorder.record(objects: [Events.object(500), Events.object(501), Events.object(502)])

            let error = try #require(throws: NodeError.self) { try recorder.importNDJSON(Self.file(badLine57: bad)) }
            #expect(error.code == .invalidEvent)
            #expect(error.exitCode == 2)
            #expect(error.message.contains("line 57:"), "\(error.message)")
            #expect(error.message.contains("field '\(field)'"), "\(error.message)")
            #expect(!error.message.contains("3507014509900000"))

            let store = try node.store()
            #expect(try store.head().seq == 3)
            #expect(try store.events().count == 3)
            #expect(try store.verify(node: "35.07.01").ok)

            // The same file with line 57 fixed is stored whole.
            var fixed = (0..<100).map { Events.line($0) }
            fixed[9] = ""
            let stored = try recorder.importNDJSON(Events.ndjson(fixed))
            #expect(stored.count == 99)
            #expect(stored.map(\.seq) == Array(4...102))
        }
    }

    @Test("a line that chooses its own id stores nothing and names its line and the id field (ids are generated)")
    func repeatedIDInFile() throws {
        try withTestNode { node in
            let recorder = try node.recorder()
            var lines = (0..<100).map { Events.line($0) }
            lines[56] = #"{"id":"0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b","kind":"request.received","service":"ADM.KTPEL","desa":"35.07.01.2001"}"#
            let error = try #require(throws: NodeError.self) { try recorder.importNDJSON(Events.ndjson(lines)) }
            #expect(error.code == .invalidEvent)
            #expect(try node.store().head().seq == 0)
            #expect(error.message.contains("line 57"), "\(error.message)")
            #expect(error.message.contains("'id'"), "\(error.message)")
        }
    }

    @Test("an input without events is refused and stores nothing")
    func emptyInputRefused() throws {
        try withTestNode { node in
            let recorder = try node.recorder()
            #expect(throws: NodeError.self) { try recorder.importNDJSON(Data("\n  \n\r\n".utf8)) }
            #expect(try node.store().head().seq == 0)
        }
    }

    @Test("record(objects:) is all or nothing too, naming the position of the bad object")
    func recordObjectsAllOrNothing() throws {
        try withTestNode { node in
            let recorder = try node.recorder()
            var objects = (0..<5).map { Events.object($0) }
            objects[3]["channel"] = .string("fax")
            let error = try #require(throws: NodeError.self) { try recorder.record(objects: objects) }
            #expect(error.message.contains("line 4"))
            #expect(error.message.contains("field 'channel'"))
            #expect(try node.store().head().seq == 0)
        }
    }
}
