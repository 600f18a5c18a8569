import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// The unauthenticated routes: health, limits, metrics and the dashboard.
@Suite struct StatusRoutesTests {
    @Test func healthzAnswersOK() async throws {
        let h = try await AggregatorHarness.make()
        try await h.test { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(try jsonObject(response)["status"] as? String == "ok")
        }
    }

    @Test func readyzAnswersReadyWhileTheDatabaseAnswers() async throws {
        let h = try await AggregatorHarness.make()
        try await h.test { client in
            // As a load balancer asks: again after a second when a check was slow (a loaded machine; the probe gives the
            // database a few seconds and caches its answer for one).
            var response = try await client.execute(uri: "/readyz", method: .get)
            for _ in 0..<10 where response.status != .ok {
                try await Task.sleep(for: .seconds(1.1))
                response = try await client.execute(uri: "/readyz", method: .get)
            }
            #expect(response.status == .ok)
            #expect(try jsonObject(response)["status"] as? String == "ready")
        }
    }

    @Test func limitsAreServedWithSnakeCaseNames() async throws {
        let h = try await AggregatorHarness.make()
        try await h.test { client in
            let response = try await client.execute(uri: "/v1/limits", method: .get)
            #expect(response.status == .ok)
            let object = try jsonObject(response)
            let l = AggregatorHarness.limits
            #expect(object["max_body_bytes"] as? Int == l.maxBodyBytes)
            #expect(object["max_decompressed_bytes"] as? Int == l.maxDecompressedBytes)
            #expect(object["max_entries"] as? Int == l.maxEntries)
            #expect(object["max_entry_bytes"] as? Int == l.maxEntryBytes)
        }
    }

    @Test func metricsArePrometheusTextCountingPushesByResult() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            try await client.pushOK(log, 1...2)
            try await client.pushOK(log, 1...2)
            _ = try await client.push(node: log.id, body: try log.body(1...2, signer: SigningKey()))
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: response.body)
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.contains("# TYPE simpul_pushes_total counter"))
            #expect(lines.contains(#"simpul_pushes_total{result="ok"} 2"#))
            #expect(lines.contains(#"simpul_pushes_total{result="bad-signature"} 1"#))
            #expect(lines.contains("simpul_entries_stored_total 2"))
            #expect(lines.contains("simpul_entries_duplicate_total 2"))
            #expect(lines.contains(#"simpul_nodes{state="active"} 1.0"#))
            #expect(lines.contains("simpul_push_duration_seconds_count 3"), "every push in the latency histogram")
            #expect(lines.contains("# TYPE simpul_push_duration_seconds histogram"))
            #expect(lines.contains { $0.hasPrefix("simpul_build_info{") && $0.contains("version=\"\(BuildInfo.version)\"") })
            #expect(lines.contains { $0.hasPrefix("simpul_node_seconds_since_sync{node=") })
            // Every line is a comment or a sample `name{labels} value` (the text exposition format).
            let sample = try Regex(#"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? -?[0-9.eE+-]+$"#)
            for line in lines where !line.isEmpty && !line.hasPrefix("#") {
                #expect(line.wholeMatch(of: sample) != nil, "not a Prometheus sample: \(line)")
            }
        }
    }

    @Test func theDashboardIsHTMLNamingEachNodesKecamatan() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log, NodeLog(id: "35.07.02-02")])
        try await h.test { client in
            try await client.pushOK(log, 1...2)
            try await FigureUpdater.catchUp(h.storage)
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            let html = String(buffer: response.body)
            #expect(html.hasPrefix("<!doctype html>"))
            #expect(html.contains("35.07.01"))
            #expect(html.contains("Donomulyo"))
            #expect(html.contains("Kabupaten Malang"))
            #expect(html.contains("Pagak"), "a second node of an office is shown under its kecamatan")
            #expect(html.contains("ADM.KTPEL"))
        }
    }

    @Test("a node's reported backlog is kept from its accepted pushes only, shown on the dashboard and in /metrics; an odd value is left out")
    func reportedBacklog() async throws {
        let log = try NodeLog.recorded(3)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            func push(_ range: ClosedRange<Int64>, backlog: String?, signer: SigningKey? = nil) async throws -> Int {
                var headers = Wire.pushHeaders()
                if let backlog { headers[HTTPField.Name(SimpulProtocol.backlogHeader)!] = backlog }
                return Int(try await client.push(node: log.id, body: try log.body(range, signer: signer), headers: headers).status.code)
            }
            #expect(try await h.storage.node(log.id)?.reportedBacklog == nil, "never reported")
            #expect(try await push(1...1, backlog: "41", signer: SigningKey()) == 401)
            #expect(try await h.storage.node(log.id)?.reportedBacklog == nil, "a refused push records nothing")
            #expect(try await push(1...1, backlog: "42") == 200)
            #expect(try await h.storage.node(log.id)?.reportedBacklog == 42)
            #expect(try await push(2...2, backlog: "-1") == 200, "an odd value never refuses a push")
            #expect(try await push(3...3, backlog: "99999999999999999999") == 200)
            #expect(try await h.storage.node(log.id)?.reportedBacklog == 42, "odd values are left out")
            let page = String(buffer: try await client.execute(uri: "/?area=35.07.01", method: .get).body)
            #expect(page.contains("Antrean sinkronisasi") && page.contains("<td class=\"n warn\">42</td>"))
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("simpul_node_reported_backlog{node=\"\(log.id)\"} 42"), "\(metrics)")
        }
    }

    @Test func theDashboardEscapesWhatNodesSent() async throws {
        let h = try await AggregatorHarness.make(enrolling: [NodeLog(id: "<script>alert(1)</script>")])
        try await h.test { client in
            let html = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(!html.contains("<script>"))
            #expect(html.contains("&lt;script&gt;"))
        }
    }

    @Test("the dashboard says when an enrolled node is refused for a reason retrying cannot fix, until it is accepted again")
    func dashboardShowsUnfixableRefusals() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            let stranger = SigningKey()
            for _ in 0..<3 {
                _ = try await h.expectRefusal(status: 401, type: "bad-signature") {
                    try await client.push(node: log.id, body: try log.body(1...1, signer: stranger))
                }
            }
            var page = String(buffer: try await client.execute(uri: "/?lang=en", method: .get).body)
            // Unsigned, so anyone can send them: shown as requests in the node's name, not as the node needing a person.
            #expect(page.contains("3 request(s) in its name with a bad signature") && !page.contains("needs a person"), "\(page)")
            // Unknown nodes leave no trace (nothing an unauthenticated client sends can grow the table).
            _ = try await client.push(node: "35.07.09", body: try log.body(1...1, node: "35.07.09"))
            page = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(!page.contains("35.07.09"))
            _ = try await client.pushOK(log, 1...2)
            page = String(buffer: try await client.execute(uri: "/?lang=en", method: .get).body)
            #expect(!page.contains("bad signature"))
        }
    }

    @Test("a refusal signed by the node (revoked) needs a person, and bad-signature requests in its name do not hide it")
    func aSignedRefusalIsNotOverwrittenByUnsignedOnes() async throws {
        let log = try NodeLog.recorded(2)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            _ = try await client.pushOK(log, 1...1)
            _ = try await h.storage.revokeNode(log.id, at: "2026-03-02T08:00:00+07:00")
            _ = try await h.expectRefusal(status: 403, type: "node-revoked") { try await client.push(node: log.id, body: try log.body(2...2)) }
            _ = try await h.expectRefusal(status: 401, type: "bad-signature") {
                try await client.push(node: log.id, body: try log.body(2...2, signer: SigningKey()))
            }
            let page = String(buffer: try await client.execute(uri: "/?lang=en", method: .get).body)
            #expect(page.contains("node-revoked x1") && page.contains("needs a person"), "\(page)")
        }
    }
}
