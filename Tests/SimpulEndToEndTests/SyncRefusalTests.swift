import Foundation
import SimpulCore
import Testing

/// Refusals a person must act on, live: a revoked or un-enrolled node (exit 4), a forked log (exit 5).
/// Each says what happened and what to do, keeps every local event, and changes nothing at the aggregator.
@Suite("Sync refusals (live)", .serialized)
struct SyncRefusalTests {
    @Test("a revoked node's sync exits 4 saying revoked; an un-enrolled node's exits 4 with a hint to enrol")
    func revokedAndUnenrolled() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode("35.07.01")
            try await node.record(30)
            try await node.syncCompletely()
            let before = try await cluster.eventsOutput(node.id)

            let syncedAt = try await node.status()["last_sync_at"] as? String
            #expect(syncedAt != nil)
            try await cluster.revoke(node)
            try await node.record(5)
            let revoked = try await node.sync()
            let blocked = try await node.status()
            #expect(blocked["sync_blocked"] as? Bool == true, "status does not say a person must act: \(blocked)")
            #expect((blocked["last_error_hint"] as? String)?.contains("provincial IT") == true)
            #expect(blocked["last_sync_at"] as? String == syncedAt, "a refused sync moved last_sync_at")
            #expect(revoked.status == 4, "\(revoked.result.summary)")
            #expect(revoked.result.stderr.lowercased().contains("revoked"), "\(revoked.result.stderr)")
            #expect(revoked.report?.errorCode == "revoked")
            #expect(try await cluster.eventsOutput(node.id) == before, "a revoked node's push changed what is stored")
            #expect(try await node.logEntries().count == 35)
            #expect((try await node.status()["backlog"] as? NSNumber)?.intValue == 5)
            #expect((try await cluster.nodeRecord(node.id)["state"] as? String)?.contains("revoked") == true)

            let stranger = try await cluster.makeNode("35.07.02", enrol: false)
            try await stranger.record(3)
            let unenrolled = try await stranger.sync()
            #expect(unenrolled.status == 4, "\(unenrolled.result.summary)")
            let text = unenrolled.result.stderr
            #expect(text.contains("not enrolled"), "\(text)")
            #expect(text.contains("hint:") && text.contains("public key") && text.contains("nodes add"),
                    "no hint on how to get enrolled: \(text)")
            #expect(try await stranger.logEntries().count == 3)
            let listed = try await cluster.runAdmin(["events", "--node", stranger.id, "--json"])
            #expect(listed.status != 0, "an un-enrolled node has stored events: \(listed.stdoutText)")

            // Enrolled under a key that is not its own: refused the same way, with a hint about the key. (Another
            // node's real key can no longer be enrolled twice, so a fresh one stands in for the wrong key.)
            let impostor = try await cluster.makeNode("35.07.03", enrol: false)
            try await cluster.enrol(impostor, publicKey: SigningKey().publicKey.base64)
            try await impostor.record(2)
            let wrongKey = try await impostor.sync()
            #expect(wrongKey.status == 4, "\(wrongKey.result.summary)")
            #expect(wrongKey.result.stderr.contains("public key"), "\(wrongKey.result.stderr)")
            #expect(try await cluster.head(impostor.id) == 0)

            // Once enrolled, the waiting events go through, exactly once.
            try await cluster.enrol(stranger)
            try await stranger.syncCompletely()
            try await expectExactlyOnce(stranger, count: 3)
            #expect(try await cluster.runAdmin(["verify"]).status == 0)
        }
    }

    @Test("a node restored from an old backup that records new events: sync exits 5, explains, keeps everything, changes nothing",
          arguments: [5, 35])
    func restoredNodeForks(newEvents: Int) async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            try await node.record(20)
            try await node.syncCompletely()
            let backup = cluster.dir + "/node-backup"
            try node.copyDatabase(to: backup)
            try await node.record(20)
            try await node.syncCompletely()
            let storedBefore = try await cluster.eventsOutput(node.id)
            #expect(try await cluster.head(node.id) == 40)

            // The office PC is restored from the backup (seq 1-20), then the counter records new events.
            try node.restoreDatabase(from: backup)
            let newIDs = try await node.record(newEvents)
            let localBefore = try await node.logEntries()
            #expect(localBefore.count == 20 + newEvents)

            for attempt in 0..<2 {
                let forked = try await node.sync()
                #expect(forked.status == 5, "attempt \(attempt): \(forked.result.summary)")
                #expect(forked.report?.errorCode == "fork")
                let text = forked.result.stderr
                // What happened ...
                #expect(text.contains("backup") && (text.contains("fork") || text.contains("older")), "attempt \(attempt): \(text)")
                #expect(text.contains("kept") || text.contains("nothing local was changed"), "does not say local events are kept: \(text)")
                // ... and what to do.
                #expect(text.contains("hint:") && text.contains("docs/operations.md"), "attempt \(attempt): no next step: \(text)")

                // Every local event is kept, untouched; the aggregator's stored log is unchanged.
                let local = try await node.logEntries()
                #expect(local.map(\.bytes) == localBefore.map(\.bytes), "attempt \(attempt): the node's log changed")
                let localText = local.map { String(decoding: $0.bytes, as: UTF8.self) }.joined(separator: "\n")
                #expect(newIDs.allSatisfy { localText.contains($0) })
                #expect(try await node.run(["log", "verify"]).status == 0)
                #expect(try await cluster.eventsOutput(node.id) == storedBefore, "attempt \(attempt): the aggregator's log changed")
                #expect(try await cluster.head(node.id) == 40)
            }
            #expect(try await cluster.runAdmin(["verify"]).status == 0)
        }
    }

    @Test("a server at the aggregator's URL that answers 2 MB is not read: sync exits 3 saying so, events are kept")
    func oversizedAnswerIsNotRead() async throws {
        try await LiveCluster.run(serve: false) { cluster in
            let node = try await cluster.makeNode(enrol: false)
            try await node.record(3)
            // Not an aggregator: whatever is asked, 2 MB of "x" with status 200.
            let script = """
                import http.server, socketserver
                class H(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        self.send_response(200); self.send_header("Content-Length", str(2 << 20)); self.end_headers()
                        self.wfile.write(b"x" * (2 << 20))
                    def log_message(self, *a): pass
                socketserver.TCPServer(("127.0.0.1", \(cluster.port)), H).serve_forever()
                """
            let server = try cluster.spawnTool("/usr/bin/env", ["python3", "-c", script])
            defer { server.signal(SIGTERM) }
            for _ in 0..<100 where LiveCluster.httpStatus(port: cluster.port, path: "/probe") == nil {
                try await Task.sleep(for: .milliseconds(50))
            }
            let sync = try await node.sync(within: .seconds(40))
            #expect(sync.status == 3, "\(sync.result.summary)")
            #expect(sync.result.stderr.contains("longer than"), "\(sync.result.stderr)")
            #expect((try await node.status()["backlog"] as? NSNumber)?.intValue == 3)
        }
    }
}
