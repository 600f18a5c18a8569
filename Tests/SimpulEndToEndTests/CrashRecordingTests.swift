import Foundation
import GRDB
import Testing

/// Promise 1 under power cuts: a bulk `simpul record` killed with SIGKILL at random points leaves a database
/// that opens, a log that verifies without gaps, and every event the process reported as recorded.
@Suite("Crash while recording")
struct CrashRecordingTests {
    static let eventsPerFile = 200
    static let killedRuns = 20
    static let maxAttempts = 80

    @Test("record killed with SIGKILL at random points loses no reported event and leaves a verifiable log")
    func killedRecordingsLoseNothing() async throws {
        _ = try CLI.binary()
        let node = try await CLINode.make()
        defer { node.remove() }
        let file = node.dir + "/day.ndjson"
        try EventFile.write((0..<Self.eventsPerFile).map(EventFile.line), to: file)

        var reported = Set<String>()
        var committedAtLeast = 0  // runs known to have committed (they printed ids)
        var killedMidway = 0
        var durations = [Double]()

        // Two complete runs first, to learn how long one takes on this machine.
        func complete() async throws {
            let start = Date()
            let result = try await node.run(["record", "--file", file])
            durations.append(Date().timeIntervalSince(start) * 1000)
            #expect(result.status == 0, "record failed: \(result.stderr)")
            let ids = result.stdoutText.printedIDs
            #expect(ids.count == Self.eventsPerFile)
            reported.formUnion(ids)
            committedAtLeast += 1
        }
        try await complete()
        try await complete()

        // Kill runs until at least `killedRuns` were really killed while running (a kill that comes after the
        // process exited proves nothing), each after a random delay within 0-400 ms.
        // Mostly within one run's length on this machine, so kills hit startup, validation, commit and printing;
        // the window shrinks whenever a run finished before its kill.
        var window = max(5, min(400, Int(durations.min() ?? 400)))
        var attempt = 0
        while killedMidway < Self.killedRuns && attempt < Self.maxAttempts {
            attempt += 1
            let delay = Int.random(in: 0...(attempt % 4 == 0 ? 400 : window))
            let child = try CLI.Child(["record", "--file", file, "--config", node.config], in: node.dir)
            try await Task.sleep(for: .milliseconds(delay))
            kill(child.pid, SIGKILL)
            let result = await child.finish()
            if result.killed {
                killedMidway += 1
            } else {
                #expect(result.status == 0, "attempt \(attempt) ended with \(result.status) before the kill: \(result.stderr)")
                window = max(5, min(window, delay) * 4 / 5)
            }
            let ids = result.stdoutText.printedIDs
            #expect(ids.count <= Self.eventsPerFile)
            if !ids.isEmpty { committedAtLeast += 1 }
            reported.formUnion(ids)
            if attempt % 8 == 0 { try await complete() }
        }
        #expect(killedMidway >= Self.killedRuns, "only \(killedMidway) of \(attempt) runs were still running when killed")

        // The database opens and the log verifies.
        let verify = try await node.run(["log", "verify"])
        #expect(verify.status == 0, "log verify failed: \(verify.stderr)")
        #expect(verify.stdoutText.contains("log ok"))

        // Every reported id is there; seqs run 1...n without gaps; each run stored all its events or none.
        let events = try await node.events()
        let stored = Set(events.map(\.id))
        let missing = reported.subtracting(stored)
        #expect(missing.isEmpty, "\(missing.count) reported ids are missing, e.g. \(missing.prefix(3))")
        #expect(stored.count == events.count, "an id is stored twice")
        #expect(events.map(\.seq) == (0..<events.count).map { Int64($0) + 1 }, "the log has a gap")
        #expect(events.count % Self.eventsPerFile == 0, "\(events.count) events: a run stored only part of its file")
        #expect(events.count >= committedAtLeast * Self.eventsPerFile)
        #expect(events.count <= (attempt + attempt / 8 + 2) * Self.eventsPerFile)

        let status = try await node.status()
        #expect((status["head_seq"] as? NSNumber)?.intValue == events.count)

        // The same counts straight from the file, with no leftover of a half-written transaction.
        let dbQueue = try DatabaseQueue(path: node.database)
        let (logRows, eventRows, maxSeq) = try await dbQueue.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM log") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? -1,
             try Int.fetchOne(db, sql: "SELECT max(seq) FROM log") ?? 0)
        }
        try dbQueue.close()
        #expect(logRows == events.count)
        #expect(eventRows == events.count)
        #expect(maxSeq == events.count)
    }
}
