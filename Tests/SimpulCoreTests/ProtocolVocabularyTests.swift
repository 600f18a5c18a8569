import Foundation
import SimpulCore
import Testing

/// The protocol's vocabulary in code is the one docs/protocol.md promises: every problem type in the Errors table
/// is a `ProblemType`, and every `ProblemType` is in the table; the node states likewise.
@Suite struct ProtocolVocabularyTests {
    static func document() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
    }

    @Test func theErrorsTableAndProblemTypeListTheSameTypes() throws {
        let text = try Self.document()
        let section = try #require(text.components(separatedBy: "## Errors").dropFirst().first?.components(separatedBy: "\n## ").first)
        var documented = Set<String>()
        for line in section.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, cells[1].hasPrefix("`") else { continue }
            documented.insert(cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")))
        }
        let coded = Set(ProblemType.allCases.map(\.rawValue))
        #expect(documented.subtracting(coded).isEmpty, "documented but not in ProblemType: \(documented.subtracting(coded).sorted())")
        #expect(coded.subtracting(documented).isEmpty, "in ProblemType but not documented: \(coded.subtracting(documented).sorted())")
    }

    @Test func theNodeStatesAreTheDocumentedOnes() throws {
        let text = try Self.document()
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("`state` is ") })
        for state in NodeState.allCases { #expect(line.contains("`\(state.rawValue)`"), "\(state) not in: \(line)") }
    }
}
