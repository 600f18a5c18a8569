import Foundation
import Testing

/// A month offline, then a field link: 64 kbit/s each way, 300 ms one way, the link dropping every ~20 s
/// (Tests/support/link-emulator.py between the node and a real aggregator). The backlog arrives exactly once,
/// by itself, through the drops. (How fast, against the link's limit, is a benchmark: scripts/bench-field.sh.)
@Suite("Sync over a slow link that drops (live)", .serialized)
struct SyncFieldLinkTests {
    /// The link emulator in front of the cluster's aggregator; returns its process and port.
    static func startLink(_ cluster: LiveCluster, dropEvery: Int, seed: Int) async throws -> (LiveProcess, UInt16, String) {
        let script = LiveCluster.packageRoot.appendingPathComponent("Tests/support/link-emulator.py").path
        let stats = cluster.dir + "/link-stats.json"
        let link = try cluster.spawnTool("/usr/bin/env", [
            "python3", script, "--upstream", "127.0.0.1:\(cluster.port)", "--rate-kbit", "64", "--delay-ms", "300",
            "--drop-every", String(dropEvery), "--seed", String(seed), "--stats", stats,
        ])
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let out = (try? String(contentsOfFile: link.stdoutPath, encoding: .utf8)) ?? ""
            if let line = out.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }),
               let port = line.split(separator: ":").last.flatMap({ UInt16($0) }) {
                return (link, port, stats)
            }
            if !link.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LiveError("the link emulator did not start: \(link.stderrSoFar())")
    }

    @Test("a month's backlog (6,000 events) through a 64 kbit/s link that drops: every event once, no operator step")
    func monthThroughDroppingLink() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            try await node.record(6000)
            let (link, port, statsPath) = try await Self.startLink(cluster, dropEvery: 20, seed: Int.random(in: 1...1_000_000))
            defer { link.signal(SIGTERM) }
            try SyncQuarantineTests.setting("aggregator", to: "\"http://127.0.0.1:\(port)\"", in: node.config)

            // The node's own batch settings (no small-batch override): the planner sizes batches for the link.
            let sync = try await node.sync(["--wait", "10m"], environment: [:], within: .seconds(600))
            #expect(sync.status == 0, "\(sync.result.summary)")
            let report = try #require(sync.report)
            #expect(report.ackedSeq == 6000 && report.headSeq == 6000)
            #expect(!sync.result.stderr.contains("low speed"), "libcurl's low-speed abort killed a push: \(sync.result.stderr)")
            link.signal(SIGTERM)
            _ = await link.finish(within: .seconds(10))
            let stats = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statsPath))) as? [String: Any])
            let drops = (stats["drops"] as? NSNumber)?.intValue ?? 0
            #expect(drops >= 1, "the link never dropped during the sync (\(sync.result.seconds) s): \(stats)")
            try await expectExactlyOnce(node, count: 6000)
        }
    }
}
