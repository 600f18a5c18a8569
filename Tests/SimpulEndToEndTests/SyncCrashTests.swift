import Foundation
import Testing

/// Promise 2 under crashes: whichever side is SIGKILLed mid-push, every event ends up stored exactly once.
@Suite("Sync under crashes (live)", .serialized)
struct SyncCrashTests {
    static let midPushKillsRequired = 20
    static let minRounds = 24
    static let maxRounds = 60

    @Test("aggregator SIGKILLed mid-push at random points, 20+ times, restarted on the same port and database")
    func aggregatorKilledMidPush() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            var recorded = 3000
            try await node.record(recorded)
            var aggregatorHead: Int64 = 0
            var midPush = 0, beforeFirstBatch = 0, finishedFirst = 0
            var delays = [Int]()

            for round in 0..<Self.maxRounds where midPush < Self.midPushKillsRequired || round < Self.minRounds {
                if recorded - Int(aggregatorHead) < 1000 {
                    try await node.record(1500)
                    recorded += 1500
                }
                // Even rounds: 0-300 ms after `sync now` starts (startup, head read, early batches). Odd rounds:
                // 0-300 ms after the aggregator logged this push's first stored batch, so they land mid-push
                // even when a loaded machine makes the node's startup slow.
                let delay = Int.random(in: 0...300)
                delays.append(delay)
                let sync = try node.startSync()
                if round % 2 == 1 { _ = await cluster.waitForStoredPushes(moreThan: 0, while: sync) }
                try await Task.sleep(for: .milliseconds(delay))
                await cluster.killAggregator()
                let result = await sync.finish(within: .seconds(30))
                #expect(!result.timedOut, "round \(round): sync now did not exit within 30 s of the aggregator dying")
                let report = LiveNode.report(result)
                if result.status == 0 {
                    finishedFirst += 1
                } else {
                    #expect(result.status == 3, "round \(round) (kill after \(delay) ms): \(result.summary)")
                    #expect(report?.errorCode == "unreachable" || report?.errorCode == "server_error", "round \(round): \(result.stdoutText)")
                    #expect(result.stderr.contains(cluster.url), "round \(round): the error does not name the URL: \(result.stderr)")
                }

                try await cluster.startAggregator()
                let head = try await cluster.head(node.id)
                #expect(head >= aggregatorHead, "round \(round): the aggregator's head went back from \(aggregatorHead) to \(head)")
                // A receipt the node kept must be durable at the aggregator.
                let acked = try #require((try await node.status()["acked_seq"] as? NSNumber)?.int64Value)
                #expect(acked <= head, "round \(round): the node holds a receipt for seq \(acked), the restarted aggregator only \(head)")
                if result.status != 0 {
                    if head > aggregatorHead { midPush += 1 } else { beforeFirstBatch += 1 }
                }
                aggregatorHead = head
            }
            #expect(midPush >= Self.midPushKillsRequired,
                    "only \(midPush) kills landed mid-push (\(beforeFirstBatch) before the first batch, \(finishedFirst) after the sync); delays \(delays)")

            print("aggregator SIGKILLs: \(delays.count) rounds, \(midPush) mid-push, \(beforeFirstBatch) before the first batch, "
                  + "\(finishedFirst) after the sync finished; \(recorded) events")

            let final = try await node.syncCompletely()
            #expect(final.ackedSeq == Int64(recorded))
            try await expectExactlyOnce(node, count: recorded)
            let record = try await cluster.nodeRecord(node.id)
            #expect(record["fork_seq"] is NSNull, "a retried batch was taken for a fork: \(record)")
        }
    }

    @Test("the node's sync now SIGKILLed mid-push several times, then a sync completes")
    func nodeKilledMidPush() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            var recorded = 3000
            try await node.record(recorded)
            var killedWhileRunning = 0
            var lastHead: Int64 = 0
            var advancedWhileKilled = 0

            for round in 0..<12 where killedWhileRunning < 8 {
                let storedBefore = cluster.storedPushesLogged()
                let sync = try node.startSync()
                let delay = Int.random(in: 0...300)
                if round % 2 == 1 {
                    // After a batch of this sync was stored, so the receipt may be lost with the process.
                    _ = await cluster.waitForStoredPushes(moreThan: storedBefore, while: sync)
                }
                try await Task.sleep(for: .milliseconds(delay))
                sync.signal(SIGKILL)
                let result = await sync.finish(within: .seconds(30))
                if result.signalled {
                    killedWhileRunning += 1
                } else {
                    #expect(result.status == 0, "round \(round): \(result.summary)")
                    try await node.record(1000)
                    recorded += 1000
                }
                // The killed process left a database that opens, and never a receipt the aggregator lacks.
                let head = try await cluster.head(node.id)
                let acked = try #require((try await node.status()["acked_seq"] as? NSNumber)?.int64Value)
                #expect(acked <= head, "round \(round): acked \(acked) but the aggregator holds \(head)")
                if result.signalled && head > lastHead { advancedWhileKilled += 1 }
                lastHead = head
            }
            #expect(killedWhileRunning >= 5, "only \(killedWhileRunning) syncs were still running when killed")
            #expect(advancedWhileKilled >= 3, "only \(advancedWhileKilled) kills landed after a batch was stored")

            // The lock of a killed sync is gone: the next one runs (no exit 7) and completes.
            let final = try await node.syncCompletely()
            #expect(final.ackedSeq == Int64(recorded))
            try await expectExactlyOnce(node, count: recorded)
        }
    }
}
