import Foundation
import Testing

/// The daemon as a process, without systemd: readiness and watchdog over a stand-in notify socket, syncing
/// soon after new events, `sync now` and `status` through the control socket, the local recording API, and a
/// graceful stop. (Tests/system/nspawn-test.sh runs the same daemon under a real systemd.)
@Suite("Daemon (live)", .serialized)
struct DaemonLiveTests {
    @Test("the daemon notifies READY, syncs new events by itself, answers sync now, status and the local API, and stops with exit 0")
    func daemonLifecycle() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            let notify = try NotifyListener(directory: node.dir)
            let apiPort = try LiveCluster.freePort()
            let daemon = try node.start(["daemon"], environment: [
                "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000",
                "SIMPUL_DAEMON_API_LISTEN": "127.0.0.1:\(apiPort)",
                "SIMPUL_SYNC_DEBOUNCE_SECONDS": "1", "SIMPUL_SYNC_INTERVAL_SECONDS": "3600",
            ])
            defer { if daemon.isRunning { daemon.killNow() } }
            #expect(await notify.wait(for: { $0 == "READY=1" }, within: .seconds(20)), "no READY=1: \(daemon.stderrSoFar())")
            // The watchdog is pinged at half of WATCHDOG_USEC, and STATUS says the backlog.
            #expect(await notify.wait(for: { $0.hasPrefix("STATUS=backlog") }, within: .seconds(5)))
            let pingsBefore = notify.messages().filter { $0 == "WATCHDOG=1" }.count
            try await Task.sleep(for: .seconds(1.5))
            #expect(notify.messages().filter { $0 == "WATCHDOG=1" }.count >= pingsBefore + 2)

            // New events reach the aggregator by themselves, soon (record nudges the daemon).
            try await node.record(12)
            var head: Int64 = 0
            for _ in 0..<60 where head < 12 {
                try await Task.sleep(for: .milliseconds(250))
                head = try await cluster.head(node.id)
            }
            #expect(head == 12, "the daemon did not push the new events: \(daemon.stderrSoFar())")

            // status and sync now go through the daemon.
            let status = try await node.status()
            #expect(status["daemon"] as? String == "running")
            try await node.record(5)
            let report = try await node.syncCompletely()
            #expect(report.headSeq == 17)

            // The local API records with the CLI's validation.
            let (created, body) = try Self.post(node, port: apiPort, path: "/v1/events",
                                                json: #"{"kind":"request.received","service":"ADM.KK","desa":"35.07.01.2001"}"#)
            #expect(created == 201, "\(body)")
            let (refused, problem) = try Self.post(node, port: apiPort, path: "/v1/events", json: #"{"kind":"request.received","service":"NOPE"}"#)
            #expect(refused == 422)
            #expect(problem.contains("service"))
            // Byte limits, the same as the CLI's: combining marks, emoji, NUL and invalid UTF-8 are refused with 422.
            let base = #"{"kind":"request.received","service":"ADM.KK","desa":"35.07.01.2001","officer":"#
            let marks = "a" + String(repeating: "\u{0301}", count: 100)
            for officer in [#""\#(marks)""#, #""\#(String(repeating: "😀", count: 17))""#, #""Sari\u0000""#] {
                let (status, body) = try Self.post(node, port: apiPort, path: "/v1/events", json: base + officer + "}")
                #expect(status == 422 && body.contains("officer"), "\(status) \(body)")
            }
            let (invalid, _) = try Self.post(node, port: apiPort, path: "/v1/events", body: Array((base + #""S"#).utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8))
            #expect(invalid == 422 || invalid == 400, "invalid UTF-8 answered \(invalid)")

            // The office's cases over the local API: the same fold as `simpul cases --json`.
            let (listedStatus, cases) = try LocalAPI.request(node, port: apiPort, method: "GET", path: "/v1/cases?open=true")
            #expect(listedStatus == 200)
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(cases.utf8)) as? [[String: Any]])
            let fromCLI = try await node.cases(["--open"])
            #expect(listed.count == 18 && listed.map(LiveCase.key) == fromCLI.map(LiveCase.key), "\(listed.count) vs \(fromCLI.count)")
            let (unknown, _) = try LocalAPI.request(node, port: apiPort, method: "GET", path: "/v1/cases?sort=x")
            #expect(unknown == 400)

            // SIGTERM: one final push of what is queued, STOPPING=1, exit 0.
            daemon.signal(SIGTERM)
            let ended = await daemon.finish(within: .seconds(20))
            #expect(ended.status == 0 && !ended.signalled, "\(ended.summary)")
            #expect(notify.messages().contains("STOPPING=1"))
            #expect(try await cluster.head(node.id) == 18, "the final push did not send the event recorded over the API")
            #expect(ended.stderr.contains("sync pushed"))
            try await expectExactlyOnce(node, count: 18)
        }
    }

    /// A POST of JSON to the node's local API, with its token: status code and body.
    static func post(_ node: LiveNode, port: UInt16, path: String, json: String) throws -> (Int, String) {
        try post(node, port: port, path: path, body: Array(json.utf8))
    }

    static func post(_ node: LiveNode, port: UInt16, path: String, body: [UInt8]) throws -> (Int, String) {
        try LocalAPI.request(node, port: port, method: "POST", path: path, body: body)
    }
}
