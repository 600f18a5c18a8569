import Foundation
import Testing

/// Two `sync now` on one node at once: one sync lock, so no batch is pushed twice and nothing stored twice.
@Suite("Concurrent syncs of one node (live)", .serialized)
struct SyncConcurrencyTests {
    @Test("two concurrent sync now never double-store; the loser exits 7 saying another sync is running")
    func twoConcurrentSyncs() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            var recorded = 0
            var busy = 0
            for round in 0..<4 {
                let fresh = round == 0 ? 2000 : 600
                try await node.record(fresh)
                recorded += fresh
                let a = try node.startSync()
                let b = try node.startSync()
                let results = [await a.finish(within: .seconds(60)), await b.finish(within: .seconds(60))]
                var pushed = 0
                for result in results {
                    #expect(!result.timedOut && (result.status == 0 || result.status == 7), "round \(round): \(result.summary)")
                    let report = LiveNode.report(result)
                    if result.status == 7 {
                        busy += 1
                        #expect(result.stderr.contains("another sync") && result.stderr.contains("running"), "round \(round): \(result.stderr)")
                        #expect(report?.errorCode == "busy" && report?.pushed == 0, "round \(round): \(result.stdoutText)")
                    }
                    pushed += report?.pushed ?? 0
                }
                #expect(results.contains { $0.status == 0 }, "round \(round): neither sync completed")
                // Between them they stored each new entry once: the pushed counts add up to what was new.
                #expect(pushed == fresh, "round \(round): the two syncs report \(pushed) stored entries for \(fresh) new ones")
                #expect(try await cluster.head(node.id) == Int64(recorded))
            }
            #expect(busy >= 1, "the two syncs never overlapped, so the lock was not exercised")
            try await expectExactlyOnce(node, count: recorded)
        }
    }

    @Test("the same node from two directories (no shared lock) pushing at once: the aggregator still stores each entry once")
    func twoCopiesOfOneNodePushAtOnce() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            try await node.record(2000)
            let copy = try node.cloneDirectory()
            let a = try node.startSync()
            let b = try copy.startSync()
            let results = [await a.finish(within: .seconds(60)), await b.finish(within: .seconds(60))]
            for result in results {
                #expect(!result.timedOut, "\(result.summary)")
                // Racing pushes of identical entries are acknowledged or retried, never taken for a fork.
                #expect(result.status == 0 || result.status == 3, "\(result.summary)")
                #expect(LiveNode.report(result)?.errorCode != "fork", "\(result.stdoutText)")
            }
            let pushed = results.compactMap { LiveNode.report($0)?.pushed }.reduce(0, +)
            #expect(pushed <= 2000, "the two copies report \(pushed) entries stored for 2000")
            try await node.syncCompletely()
            try await copy.syncCompletely()
            try await expectExactlyOnce(node, count: 2000)
            #expect(try await cluster.nodeRecord(node.id)["fork_seq"] is NSNull)
        }
    }
}
