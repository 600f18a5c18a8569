import Foundation
import Testing

/// Sync never sticks, live: a node and an aggregator with different rules. The events the aggregator disagrees
/// with are stored, acknowledged and quarantined; the log behind them flows on; `quarantine recheck` releases them
/// once the rules are aligned. And an entry the protocol could not carry cannot be recorded at all.
@Suite("Quarantine instead of a blocked log (live)", .serialized)
struct SyncQuarantineTests {
    static let provincialService = "PATEN.JATIM.IZIN_KERAMAIAN"

    static func catalogue(in dir: String) throws -> String {
        let shipped = try String(contentsOf: LiveCluster.packageRoot.appendingPathComponent("config/services.csv"), encoding: .utf8)
        let path = dir + "/services-jatim.csv"
        try (shipped + "\(provincialService),Izin keramaian (Jawa Timur),paten,3\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func setting(_ key: String, to value: String, in config: String) throws {
        var text = try String(contentsOfFile: config, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix(key + " =") ? "\(key) = \(value)" : String($0) }
        text = lines.joined(separator: "\n")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
    }

    static func line(service: String = "ADM.KTPEL", desa: String = "35.07.01.2001", officer: String = "ani") -> String {
        #"{"kind":"request.received","service":"\#(service)","desa":"\#(desa)","channel":"counter","officer":"\#(officer)"}"#
    }

    @Test("different catalogues and wilayah settings: 10 valid, 2 refused by the aggregator, 10 valid; head 22, 20 counted, 2 quarantined; recheck releases")
    func differentRulesDoNotBlock() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            // The office knows the province's own service and accepts desa codes outside the shipped list; the
            // aggregator was upgraded without either.
            try Self.setting("catalogue_file", to: "\"\(try Self.catalogue(in: node.dir))\"", in: node.config)
            try Self.setting("allow_unknown_wilayah", to: "true", in: node.config)
            var lines = (0..<10).map { _ in Self.line() }
            lines.append(Self.line(service: Self.provincialService))
            lines.append(Self.line(desa: "35.07.01.2999"))
            lines += (0..<10).map { _ in Self.line(service: "ADM.KK") }
            let file = node.dir + "/day.ndjson"
            try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let recorded = try await node.run(["record", "--file", file])
            try #require(recorded.status == 0, "\(recorded.summary)")
            let ids = recorded.stdoutText.split(separator: "\n").map(String.init)

            let report = try await node.syncCompletely()
            #expect(report.ackedSeq == 22 && report.pushed == 22)
            #expect(try await cluster.head(node.id) == 22)
            try await expectExactlyOnce(node, count: 22)

            let listed = try await cluster.runAdmin(["quarantine", "list", "--json"])
            #expect(listed.status == 0, "\(listed.summary)")
            let held = try #require(try JSONSerialization.jsonObject(with: listed.stdout) as? [[String: Any]])
            #expect(held.count == 2)
            #expect(held.compactMap { ($0["seq"] as? NSNumber)?.intValue } == [11, 12])
            #expect(held.compactMap { $0["field"] as? String } == ["service", "desa"])
            #expect(held.compactMap { $0["event_id"] as? String } == [ids[10], ids[11]])
            #expect(held.allSatisfy { $0["node"] as? String == node.id && $0["reason"] is String && $0["quarantined_at"] is String })
            let onlyOther = try await cluster.runAdmin(["quarantine", "list", "--node", "35.07.02", "--json"])
            let otherHeld = try JSONSerialization.jsonObject(with: onlyOther.stdout) as? [Any]
            #expect(onlyOther.status == 0 && otherHeld?.isEmpty == true,
                    "\(onlyOther.summary)")

            // The node knows, from the signed receipt, and says it plainly.
            let status = try await node.status()
            #expect((status["quarantined"] as? NSNumber)?.intValue == 2)
            #expect((status["quarantine_reason"] as? String)?.contains("seq 11") == true, "\(String(describing: status["quarantine_reason"]))")
            #expect((status["backlog"] as? NSNumber)?.intValue == 0)
            #expect(status["sync_blocked"] as? Bool == false)

            // The dashboard counts the 20 valid events only.
            #expect(try Self.dashboardReceived(cluster, settlingOn: 20) == 20)

            // Provincial IT aligns the aggregator's rules; recheck releases both.
            try Self.setting("catalogue_file", to: "\"\(try Self.catalogue(in: cluster.aggregatorDir))\"", in: cluster.aggregatorConfig)
            let partial = try await cluster.runAdmin(["quarantine", "recheck"])
            #expect(partial.status == 0 && partial.stdoutText.contains("released 1"), "\(partial.summary)")
            try Self.setting("allow_unknown_wilayah", to: "true", in: cluster.aggregatorConfig)
            let rest = try await cluster.runAdmin(["quarantine", "recheck", "--json"])
            let result = try #require(try JSONSerialization.jsonObject(with: rest.stdout) as? [String: Any])
            #expect((result["released"] as? NSNumber)?.intValue == 1 && (result["held"] as? NSNumber)?.intValue == 0)
            let after = try await cluster.runAdmin(["quarantine", "list", "--json"])
            #expect((try JSONSerialization.jsonObject(with: after.stdout) as? [Any])?.isEmpty == true)
            #expect(try Self.dashboardReceived(cluster, settlingOn: 22) == 22)
            let synced = try await node.syncCompletely()
            #expect(synced.status == "nothing_to_push")
            #expect((try await node.status()["quarantined"] as? NSNumber)?.intValue == 0)
        }
    }

    @Test("an entry over the protocol's limit cannot be recorded; the largest that can is stored whole; an aggregator cannot be set below the limit")
    func entryLimitIsEnforcedAtRecordTime() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode()
            let tooLong = "a" + String(repeating: "\u{0301}", count: 20_000)
            let refused = try await node.run(["record", "--kind", "request.received", "--service", "ADM.KTPEL", "--desa", "35.07.01.2001",
                                              "--officer", tooLong])
            #expect(refused.status == 2 && refused.stderr.contains("officer"), "\(refused.summary)")
            #expect(refused.stderr.utf8.count < 2000)
            #expect((try await node.status()["head_seq"] as? NSNumber)?.intValue == 0)

            // Every field at its limit: 64 bytes of emoji, 2 KiB of attrs. Recorded, pushed, stored, not held.
            let attrs = (0..<8).map { #""k\#($0)":"\#(String(repeating: "é", count: 100))""# }.joined(separator: ",")
            let big = #"{"kind":"request.received","service":"ADM.KTPEL","desa":"35.07.01.2001","channel":"counter","officer":"\#(String(repeating: "😀", count: 16))","attrs":{\#(attrs)}}"#
            let file = node.dir + "/big.ndjson"
            try (big + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let recorded = try await node.run(["record", "--file", file])
            #expect(recorded.status == 0, "\(recorded.summary)")
            _ = try await node.syncCompletely()
            #expect((try await node.status()["quarantined"] as? NSNumber)?.intValue == 0)
            try await expectExactlyOnce(node, count: 1)

            try await cluster.stopAggregator()
            try Self.setting("max_entry_bytes", to: "8192", in: cluster.aggregatorConfig)
            #expect(try String(contentsOfFile: cluster.aggregatorConfig, encoding: .utf8).contains("max_entry_bytes = 8192"))
            let serve = try await cluster.runAdmin(["serve"], within: .seconds(20))
            #expect(serve.status == 2 && serve.stderr.contains("max_entry_bytes"), "\(serve.summary)")
        }
    }

    /// Cases received in the dashboard's service table (`data-received` of each row), read until it shows `expected`
    /// or 15 s pass: the figure job takes in what was stored within a second or two.
    static func dashboardReceived(_ cluster: LiveCluster, settlingOn expected: Int) throws -> Int {
        let deadline = Date().addingTimeInterval(15)
        var total = -1
        repeat {
            let page = try LiveCluster.httpGet(port: cluster.port, path: "/")
            total = page.components(separatedBy: "data-received=\"").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }.reduce(0, +)
            if total == expected { return total }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        return total
    }
}
