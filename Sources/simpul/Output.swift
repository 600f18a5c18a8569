import ArgumentParser
import SimpulCore
import Foundation
import SimpulNode
import Synchronization

/// Printing for the CLI: one JSON document on stdout for `--json`, messages and errors on stderr.
///
/// Messages are in the operator's language (`Language.current`: `SIMPUL_LANG`, else the locale); the prefixes too:
/// `simpul: error:` / `hint:` in English, `simpul: galat:` / `petunjuk:` in Bahasa Indonesia.
enum Output {
    static func json<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(value) {
            printedJSON.withLock { $0 = true }
            FileHandle.standardOutput.write(data)
            FileHandle.standardOutput.write(Data("\n".utf8))
        }
    }

    /// Set once a JSON document is on stdout: a failure after it (`sync now`'s failed report) prints no second one.
    private static let printedJSON = Mutex(false)

    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// Runs a command body; an expected failure becomes a message and an exit status, never a stack trace. With
    /// `json`, the failure is also one JSON problem on stdout (`CommandProblem`), unless the command already printed
    /// its result document there.
    static func guarding(json: Bool = false, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as NodeError {
            if json && !printedJSON.withLock({ $0 }) { Output.json(error.problem) }
            note("simpul: \(tr(.errorLabel)): \(error.text.text())")
            if let hint = error.hintText { note("\(tr(.hintLabel)): \(hint.text())") }
            throw ExitCode(error.exitCode)
        }
    }

    static func loadConfig(_ options: GlobalOptions) throws -> NodeConfig {
        try NodeConfig.load(path: NodeConfig.path(explicit: options.config))
    }
}
