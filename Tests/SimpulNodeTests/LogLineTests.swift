import Logging
import SimpulSystemd
import Testing

/// Log lines: a value a client chose cannot forge another key or another line, and journald gets each line's level.
@Suite struct LogLineTests {
    @Test func valuesAreQuotedAndEscapedSoNoKeyOrLineCanBeForged() {
        let forged = "x problem=ok\nwarning push stored node=35.07.01"
        let line = LineLogHandler.render(level: .notice, message: "push refused", metadata: ["detail": "\(forged)", "node": "35.07.01"],
                                         timestamp: nil, priority: false)
        #expect(!line.contains("\n"))
        #expect(line == #"notice push refused detail="x problem=ok\nwarning push stored node=35.07.01" node=35.07.01"#, "\(line)")
        let quote = LineLogHandler.render(level: .info, message: "m", metadata: ["v": #"a"b\c"#], timestamp: nil, priority: false)
        #expect(quote == #"info m v="a\"b\\c""#, "\(quote)")
        let message = LineLogHandler.render(level: .info, message: "two\nlines\u{1b}[31m", metadata: [:], timestamp: nil, priority: false)
        #expect(message == #"info two\nlines\u{1b}[31m"#, "\(message)")
    }

    @Test func journaldGetsEachLinesPriority() {
        #expect(LineLogHandler.render(level: .warning, message: "w", metadata: [:], timestamp: nil, priority: true) == "<4>warning w")
        #expect(LineLogHandler.render(level: .error, message: "e", metadata: [:], timestamp: nil, priority: true).hasPrefix("<3>"))
        #expect(LineLogHandler.render(level: .info, message: "i", metadata: [:], timestamp: nil, priority: true).hasPrefix("<6>"))
    }
}
