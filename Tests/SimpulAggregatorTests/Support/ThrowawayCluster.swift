import Foundation

/// A PostgreSQL cluster of a test's own (scripts/throwaway-postgres.sh), for tests that kill its server or need it
/// configured differently from the suite's shared cluster.
enum ThrowawayCluster {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/throwaway-postgres.sh").path

    /// Runs the script for at most two minutes, polling rather than holding one of the test runner's threads in
    /// `waitUntilExit`; its output goes nowhere (a server it starts could hold a pipe open).
    static func run(_ arguments: String..., environment extra: [String: String] = [:]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(120)
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw PostgresTestError(message: "throwaway-postgres.sh \(arguments) did not finish within 120 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard process.terminationStatus == 0 else { throw PostgresTestError(message: "throwaway-postgres.sh \(arguments) failed") }
    }

    /// Starts a cluster in a new directory, runs `body` with the directory and the admin URL, and stops it.
    static func with<T>(environment: [String: String] = [:], _ body: (_ dir: String, _ url: String) async throws -> T) async throws -> T {
        let dir = NSTemporaryDirectory() + "simpul-pg-own-\(UUID().uuidString)"
        try await run("start", dir, environment: environment)
        do {
            let url = try String(contentsOfFile: dir + "/url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let result = try await body(dir, url)
            try await run("stop", dir)
            return result
        } catch {
            _ = try? await run("stop", dir)
            throw error
        }
    }
}
