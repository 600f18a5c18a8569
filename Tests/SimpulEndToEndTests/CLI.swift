import Foundation
import Testing

/// Runs the real `simpul` binary built by `swift build` (`.build/debug/simpul` in the package root).
struct CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binaryPath = packageRoot.appendingPathComponent(".build/debug/simpul").path

    /// The binary, or a recorded failure telling how to build it (the end-to-end tests never skip silently).
    static func binary() throws -> String {
        try #require(
            FileManager.default.isExecutableFile(atPath: binaryPath),
            "\(binaryPath) is missing: run `swift build` (or `swift build --build-tests`) in \(packageRoot.path) first")
        return binaryPath
    }

    /// The environment without any SIMPUL_* variable of the developer's shell, in an English locale (the expected
    /// texts of the tests are English; a developer's `LANG=id_ID.UTF-8` must not change them).
    static let environment = englishLocale(ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIMPUL_") })

    /// `environment` with the locale set to `C.UTF-8` (what CI has), whatever the runner's.
    static func englishLocale(_ environment: [String: String]) -> [String: String] {
        var env = environment
        for key in ["LC_ALL", "LC_MESSAGES", "LANGUAGE"] { env[key] = nil }
        env["LANG"] = "C.UTF-8"
        return env
    }

    struct Result {
        var status: Int32
        var killed: Bool
        var stdout: Data
        var stderr: String
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// A started child process whose stdout and stderr go to files in `dir`.
    final class Child {
        let process = Process()
        let stdoutPath: String
        let stderrPath: String

        init(_ arguments: [String], in dir: String, stdin: String? = nil, environment: [String: String] = [:]) throws {
            let tag = UUID().uuidString
            stdoutPath = dir + "/stdout-\(tag)"
            stderrPath = dir + "/stderr-\(tag)"
            for path in [stdoutPath, stderrPath] {
                try #require(FileManager.default.createFile(atPath: path, contents: nil), "cannot create \(path)")
            }
            process.executableURL = URL(fileURLWithPath: try CLI.binary())
            process.arguments = arguments
            process.environment = CLI.environment.merging(environment) { $1 }
            process.currentDirectoryURL = URL(fileURLWithPath: dir)
            process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
            process.standardError = FileHandle(forWritingAtPath: stderrPath)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var pid: Int32 { process.processIdentifier }

        /// Waits without blocking the test runner's threads.
        func finish() async -> Result {
            while process.isRunning { try? await Task.sleep(for: .milliseconds(2)) }
            process.waitUntilExit()
            let out = FileManager.default.contents(atPath: stdoutPath) ?? Data()
            let err = FileManager.default.contents(atPath: stderrPath) ?? Data()
            try? FileManager.default.removeItem(atPath: stdoutPath)
            try? FileManager.default.removeItem(atPath: stderrPath)
            return Result(status: process.terminationStatus, killed: process.terminationReason == .uncaughtSignal,
                          stdout: out, stderr: String(decoding: err, as: UTF8.self))
        }
    }

    static func run(_ arguments: [String], in dir: String, environment: [String: String] = [:]) async throws -> Result {
        try await Child(arguments, in: dir, environment: environment).finish()
    }
}

/// A node set up with `simpul init` in a temporary directory.
struct CLINode {
    let dir: String
    var config: String { dir + "/node.toml" }
    var database: String { dir + "/data/node.db" }

    static func make() async throws -> CLINode {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simpul-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let node = CLINode(dir: dir)
        let result = try await CLI.run(
            ["init", "--node-id", "35.07.01", "--aggregator", "http://127.0.0.1:9", "--data-dir", dir + "/data", "--config", node.config],
            in: dir)
        #expect(result.status == 0, "init failed: \(result.stderr)")
        return node
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> CLI.Result {
        try await CLI.run(arguments + ["--config", config], in: dir, environment: environment)
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }

    /// `simpul events --json`: (seq, id) of every recorded event, in log order.
    func events() async throws -> [(seq: Int64, id: String)] {
        let result = try await run(["events", "--json"])
        #expect(result.status == 0, "events --json failed: \(result.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]])
        return try array.map { item in
            let event = try #require(item["event"] as? [String: Any])
            return (seq: try #require((item["seq"] as? NSNumber)?.int64Value), id: try #require(event["id"] as? String))
        }
    }

    func status() async throws -> [String: Any] {
        let result = try await run(["status", "--json"])
        #expect(result.status == 0, "status --json failed: \(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
    }
}

/// NDJSON events for Donomulyo (35.07.01), each with a NIK that is valid in form.
enum EventFile {
    static func nik(_ index: Int) -> String {
        let day = 1 + index % 28 + (index % 2 == 0 ? 40 : 0)
        return "350701" + String(format: "%02d%02d%02d%04d", day, 1 + index % 12, 60 + index % 40, index % 9999 + 1)
    }

    static func line(_ index: Int) -> String {
        let services = ["ADM.KTPEL", "ADM.KK", "PATEN.NP.SKTM", "ADM.AKTA_LAHIR"]
        let desa = ["35.07.01.2001", "35.07.01.2002", "35.07.01.2003"]
        return #"{"kind":"request.received","service":"\#(services[index % 4])","desa":"\#(desa[index % 3])","#
            + #""channel":"counter","officer":"ani","nik":"\#(nik(index))"}"#
    }

    static func write(_ lines: [String], to path: String) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }
}

extension String {
    /// Complete (newline-terminated) lines that are event ids.
    var printedIDs: [String] {
        var lines = split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // after the last newline: empty, or a line cut short by the kill
        return lines.filter { $0.utf8.count == 36 && $0.split(separator: "-").count == 5 }
    }
}
