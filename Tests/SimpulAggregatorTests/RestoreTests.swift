import Foundation
import HummingbirdTesting
import SimpulAggregator
import SimpulCore
import Testing

/// An aggregator restored from a backup older than what nodes were acknowledged (on SQLite, the online backup API; on
/// PostgreSQL, pg_dump and pg_restore): the node's next push is a gap naming the restored head, the node re-sends
/// from there, and every entry ends up stored once with a chain that verifies.
@Suite struct RestoreTests {
    @Test func aNodeHealsAnAggregatorRestoredFromAnOlderBackup() async throws {
        let log = try NodeLog.recorded(12)
        let h = try await AggregatorHarness.make(enrolling: [log])
        let backup = h.dir.path + "/backup"
        try await h.test { client in
            try await client.pushOK(log, 1...5)
            try h.database.backup(to: backup)
            try await client.pushOK(log, 6...10)
            try h.database.restore(from: backup)
            #expect(try await h.head(log.id)?.seq == 5, "the restored aggregator holds what the backup held")

            // The node still believes 1-10 are stored: its next push is a gap at the restored head.
            let gap = try await client.push(node: log.id, body: try log.body(11...12), gzip: true)
            let problem = try expectProblem(gap, status: 409, type: "gap")
            #expect(problem.head?.seq == 5)
            // It re-sends from there (what a node's sync does on its own).
            try await client.pushOK(log, 6...12)
            #expect(try await h.storedEntries(log.id).map(\.bytes) == log.slice(1...12).map(\.bytes))
            #expect(try await StoredLogVerifier(storage: h.storage).verifyAll().allSatisfy(\.ok))
        }
    }
}
