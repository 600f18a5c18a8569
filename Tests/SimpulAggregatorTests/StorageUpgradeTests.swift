import Foundation
import GRDB
@testable import SimpulAggregator
import SimpulCore
import Testing

/// A database made by an older aggregator opens under this one, migrated forward, with nothing lost; batches it
/// stored before the push signature covered the clock still verify.
@Suite struct StorageUpgradeTests {
    @Test func aDatabaseFromBeforeTheReplayMigrationGainsTheCounterAndTheBatchClock() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simpul-upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("aggregator.db").path
        do {
            let old = try DatabaseQueue(path: path)
            try SQLiteStorage.migrator.migrate(old, upTo: "v3-feed")
            try old.close()
        }
        let storage = try SQLiteStorage(path: path)
        try await storage.addNodes([NodeRecord(id: "35.07.01", publicKey: SigningKey().publicKey.base64, enrolledAt: "2026-03-01T08:00:00+07:00")])
        #expect(try await storage.advanceCounter(node: "35.07.01", to: 5) == nil)
        #expect(try await storage.advanceCounter(node: "35.07.01", to: 5) == 5, "a replayed counter was accepted after the upgrade")
        let raw = try DatabaseQueue(path: path)
        let columns = try await raw.read { db in try db.columns(in: "batches").map(\.name) }
        #expect(columns.contains("clock"))
    }

    @Test func aBatchStoredBeforeTheClockWasSignedVerifiesWithTheOldMessageOnly() async throws {
        let log = try NodeLog.recorded(3)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...3)
            let header = log.header(1...3)
            // What an older aggregator stored: the signature over the message without the clock, and no clock.
            let legacy = log.key.sign(header.signedMessageWithoutClock)
            try h.execute("UPDATE batches SET signature = '\(legacy)', clock = NULL WHERE node = '\(log.id)'")
            #expect(try await StoredLogVerifier(storage: h.storage).verifyAll().allSatisfy(\.ok))
            // A stored clock makes the full message the one checked: the old signature no longer fits it.
            try h.execute("UPDATE batches SET clock = '\(header.clock)' WHERE node = '\(log.id)'")
            #expect(try await StoredLogVerifier(storage: h.storage).verifyAll().allSatisfy { !$0.ok })
        }
    }
}
