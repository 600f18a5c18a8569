import Foundation
import Testing

/// Promise 5, live: the link comes back, the aggregator is restored from an old backup, and sync resumes
/// from where the aggregator really is, with no operator step; meanwhile nothing recorded is lost.
@Suite("Sync heals by itself (live)", .serialized)
struct SyncHealingTests {
    @Test("aggregator database replaced by an older copy: the next sync re-sends from its head, exactly once")
    func aggregatorRestoredFromOldBackup() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            try await node.record(500)
            try await node.syncCompletely()

            // The provincial backup: a copy of the database taken with the server stopped.
            try await cluster.stopAggregator()
            let backup = cluster.dir + "/aggregator-backup"
            try cluster.backupAggregator(to: backup)
            try await cluster.startAggregator()

            try await node.record(700)
            let second = try await node.syncCompletely()
            #expect(second.pushed == 700 && second.ackedSeq == 1200)

            // The aggregator's disk dies; it is restored from the old copy.
            try await cluster.stopAggregator()
            try cluster.restoreAggregator(from: backup)
            try await cluster.startAggregator()
            #expect(try await cluster.head(node.id) == 500)
            #expect((try await node.status()["acked_seq"] as? NSNumber)?.intValue == 1200, "the node still believes 1200 acknowledged")

            try await node.record(100)
            let healing = try await node.sync()
            #expect(healing.status == 0, "the sync after the restore needed help: \(healing.result.summary)")
            let report = try #require(healing.report, "no report: \(healing.result.stdoutText)")
            #expect(report.resentFrom == 501, "resent_from \(String(describing: report.resentFrom))")
            #expect(report.pushed == 800)
            #expect(report.ackedSeq == 1300 && report.headSeq == 1300)
            #expect(healing.result.stderr.contains("behind"), "the re-send is not logged as a warning: \(healing.result.stderr)")

            let again = try await node.syncCompletely()
            #expect(again.status == "nothing_to_push" && again.resentFrom == nil)
            try await expectExactlyOnce(node, count: 1300)
        }
    }

    @Test("aggregator down: sync now fails fast with the URL (exit 3), events are kept, a later sync completes")
    func networkCut() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            try await node.record(200)
            try await node.syncCompletely()
            try await node.record(300)
            try await cluster.stopAggregator()

            let cut = try await node.sync(within: .seconds(40))
            #expect(!cut.result.timedOut)
            #expect(cut.status == 3, "\(cut.result.summary)")
            #expect(cut.result.seconds < 30, "sync now took \(cut.result.seconds) s on a dead link")
            let firstLine = cut.result.stderr.split(separator: "\n").first.map(String.init) ?? ""
            #expect(firstLine.contains(cluster.url) && firstLine.contains("cannot reach"), "not one clear line naming the URL: \(cut.result.stderr)")
            #expect(cut.report?.errorCode == "unreachable")
            #expect(cut.report?.error?.contains(cluster.url) == true)
            #expect(cut.report?.error?.contains("\n") == false)

            // Nothing recorded is lost, and status says what is waiting and why.
            let status = try await node.status()
            #expect((status["head_seq"] as? NSNumber)?.intValue == 500)
            #expect((status["acked_seq"] as? NSNumber)?.intValue == 200)
            #expect((status["backlog"] as? NSNumber)?.intValue == 300)
            #expect((status["last_error"] as? String)?.contains(cluster.url) == true, "last_error: \(String(describing: status["last_error"]))")
            #expect(try await node.logEntries().count == 500)
            #expect(try await node.run(["log", "verify"]).status == 0)

            try await cluster.startAggregator()
            let resumed = try await node.syncCompletely()
            #expect(resumed.pushed == 300)
            #expect((try await node.status()["last_error"]) is NSNull)
            try await expectExactlyOnce(node, count: 500)

            // --wait keeps retrying and succeeds when the aggregator comes back during the wait.
            try await cluster.stopAggregator()
            try await node.record(150)
            let waiting = try node.startSync(["--wait", "20s"])
            try await Task.sleep(for: .milliseconds(2500))
            #expect(waiting.isRunning, "sync now --wait 20s gave up while the aggregator was down: \(waiting.stderrSoFar())")
            try await cluster.startAggregator()
            let waited = await waiting.finish(within: .seconds(30))
            #expect(waited.status == 0 && !waited.timedOut, "\(waited.summary)")
            #expect(waited.seconds < 20, "sync now --wait 20s took \(waited.seconds) s")
            #expect(LiveNode.report(waited)?.pushed == 150)
            try await expectExactlyOnce(node, count: 650)
        }
    }

    @Test("a stalled aggregator (accepts, never answers): sync now gives up within 30 s, a later sync completes")
    func stalledLink() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            try await node.record(120)
            cluster.pauseAggregator()
            let stalled: LiveSync
            do {
                stalled = try await node.sync(within: .seconds(45))
                cluster.resumeAggregator()
            } catch {
                cluster.resumeAggregator()
                throw error
            }
            #expect(!stalled.result.timedOut, "sync now hung on a stalled link")
            #expect(stalled.status == 3, "\(stalled.result.summary)")
            #expect(stalled.result.seconds < 30, "sync now took \(stalled.result.seconds) s on a stalled link")
            #expect(stalled.result.stderr.contains(cluster.url), "\(stalled.result.stderr)")
            #expect((try await node.status()["backlog"] as? NSNumber)?.intValue == 120)

            let resumed = try await node.syncCompletely()
            #expect(resumed.pushed == 120)
            try await expectExactlyOnce(node, count: 120)
        }
    }
}
