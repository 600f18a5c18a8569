import Foundation
import Testing

/// An office rebuilt from the province after its disk died, a node recovered after a fork, and the rules a node
/// checks against changed from the province: live, with real binaries.
@Suite("Rebuild, recover and the province's rules (live)", .serialized)
struct RebuildRecoverTests {
    @Test("disk lost after 10,000 events: init --recover, nodes rekey, sync pulls the log back, 10 more: 10,010 in one verified chain")
    func rebuildFromProvince() async throws {
        try await LiveCluster.run { cluster in
            let original = try await cluster.makeNode("35.07.04")
            let ids = try await original.record(10_000)
            try await original.syncCompletely()
            let before = try await original.logEntries()
            try FileManager.default.removeItem(atPath: original.dir)

            // The new PC: same node id, a new key pair.
            let rebuilt = try await cluster.makeNode("35.07.04", enrol: false, recover: true)
            #expect(rebuilt.publicKey != original.publicKey)
            let early = try await rebuilt.run(["record", "--kind", "request.received", "--service", "ADM.KK", "--desa", "35.07.04.2001"])
            #expect(early.status == 4 && early.stderr.contains("rebuilt"), "recording before the log is back must be refused: \(early.summary)")
            let unknownKey = try await rebuilt.sync()
            #expect(unknownKey.status != 0, "a sync before the rekey must be refused: \(unknownKey.result.summary)")

            let rekey = try await cluster.runAdmin(["nodes", "rekey", "35.07.04", "--public-key", rebuilt.publicKey])
            try #require(rekey.status == 0, "nodes rekey: \(rekey.summary)")
            let reused = try await cluster.runAdmin(["nodes", "rekey", "35.07.04", "--public-key", original.publicKey])
            #expect(reused.status != 0, "a retired key must not be enrolled again: \(reused.summary)")

            let pulled = try await rebuilt.syncCompletely()
            #expect(pulled.headSeq == 10_000)
            let after = try await rebuilt.logEntries()
            #expect(after.map(\.bytes) == before.map(\.bytes), "the pulled log differs from the lost one")
            let status = try await rebuilt.status()
            #expect(status["rebuild_pending"] as? Bool == false, "\(status)")

            let more = try await rebuilt.record(10)
            try await rebuilt.syncCompletely()
            try await expectExactlyOnce(rebuilt, count: 10_010)
            let entries = try await rebuilt.logEntries()
            #expect(entries.suffix(10).map { String(decoding: $0.bytes, as: UTF8.self) }.allSatisfy { line in more.contains { line.contains($0) } })
            #expect(Set(ids).isSubset(of: Set(entries.prefix(10_000).compactMap { Self.eventID($0.bytes) })))
        }
    }

    @Test("restored from a copy 100 events old, 50 recorded, sync refuses, recover: all 150 events stored once, the evidence listed")
    func forkRecovery() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode("35.07.02")
            try await node.record(200)
            try await node.syncCompletely()
            let backup = cluster.dir + "/backup-35.07.02"
            try node.copyDatabase(to: backup)
            let lost = try await node.record(100)
            try await node.syncCompletely()
            try node.restoreDatabase(from: backup)
            let fresh = try await node.record(50)

            let forked = try await node.sync()
            #expect(forked.status == 5 && forked.report?.errorCode == "fork", "\(forked.result.summary)")
            #expect(forked.result.stderr.contains("simpul recover"), "the refusal does not name the way out: \(forked.result.stderr)")

            let recover = try await node.run(["recover", "--json"])
            try #require(recover.status == 0, "recover: \(recover.summary)")
            let report = try #require(try JSONSerialization.jsonObject(with: recover.stdout) as? [String: Any])
            #expect((report["diverged_at"] as? NSNumber)?.intValue == 201, "\(report)")
            #expect((report["adopted"] as? NSNumber)?.intValue == 100, "\(report)")
            #expect((report["reappended"] as? [Any])?.count == 50, "\(report)")
            #expect((report["evidence"] as? [Any])?.count == 50, "\(report)")
            #expect(report["aggregator_resolved"] as? Bool == true, "\(report)")

            try await node.syncCompletely()
            try await expectExactlyOnce(node, count: 350)
            let stored = try await cluster.eventsOutput(node.id)
            let text = String(decoding: stored, as: UTF8.self)
            for id in lost + fresh { #expect(text.components(separatedBy: id).count == 2, "event \(id) is not stored exactly once") }

            let evidence = try await node.run(["recover", "--evidence", "--json"])
            let rows = try #require(try JSONSerialization.jsonObject(with: evidence.stdout) as? [[String: Any]])
            #expect(rows.count == 50 && rows.allSatisfy { ($0["reappended_seq"] as? NSNumber).map { $0.intValue > 300 } ?? false }, "\(rows.prefix(2))")
            // A second recover finds nothing to do.
            let again = try await node.run(["recover", "--json"])
            let second = try #require(try JSONSerialization.jsonObject(with: again.stdout) as? [String: Any])
            #expect(again.status == 0 && second["diverged_at"] == nil && (second["adopted"] as? NSNumber)?.intValue == 0, "\(again.summary)")
        }
    }

    @Test("the same node run from a cloned directory: recover puts the clone's events after the province's; the original catches up by itself")
    func clonedDirectoryRecovered() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode("35.07.06")
            try await node.record(30)
            try await node.syncCompletely()
            let clone = try node.cloneDirectory()
            try await node.record(10)
            try await node.syncCompletely()
            let cloneIDs = try await clone.record(15)
            let refused = try await clone.sync()
            #expect(refused.status == 5 && refused.report?.errorCode == "fork", "\(refused.result.summary)")

            let recover = try await clone.run(["recover", "--json"])
            try #require(recover.status == 0, "recover: \(recover.summary)")
            try await clone.syncCompletely()
            #expect(try await cluster.head(node.id) == 55)
            // The original PC holds a prefix of the province's log now: its next sync pulls the rest back.
            let caughtUp = try await node.syncCompletely()
            #expect(caughtUp.headSeq == 55, "\(caughtUp)")
            try await expectExactlyOnce(node, count: 55)
            let text = try await node.logEntries().map { String(decoding: $0.bytes, as: UTF8.self) }.joined()
            #expect(cloneIDs.allSatisfy { text.contains($0) }, "the clone's events did not reach the original")
            let record = try await cluster.nodeRecord(node.id)
            #expect(record["state"] as? String == "active", "\(record)")
        }
    }

    @Test("a new service and a changed target on the aggregator reach the node through the feed; entries name the rules version")
    func rulesFromTheProvince() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode("35.07.07")
            try await node.syncCompletely()
            let shipped = try #require(try await node.status()["rules_version"] as? String)
            let refused = try await node.run(["record", "--kind", "request.received", "--service", "ADM.SURAT_PINDAH_BARU", "--desa", "35.07.07.2001"])
            #expect(refused.status != 0, "a service outside the catalogue must be refused: \(refused.summary)")

            // Provincial IT adds a service and shortens the KTP-el target, then restarts the aggregator.
            let catalogue = cluster.dir + "/services.csv"
            var csv = try String(contentsOfFile: LiveCluster.packageRoot.appendingPathComponent("config/services.csv").path, encoding: .utf8)
            csv = csv.replacingOccurrences(of: "ADM.KTPEL,Perekaman dan pencetakan KTP-el,adminduk,14", with: "ADM.KTPEL,Perekaman dan pencetakan KTP-el,adminduk,3")
            csv += "ADM.SURAT_PINDAH_BARU,Surat pindah (uji),adminduk,2\n"
            try csv.write(toFile: catalogue, atomically: true, encoding: .utf8)
            try await cluster.stopAggregator()
            let config = try String(contentsOfFile: cluster.aggregatorConfig, encoding: .utf8)
            try config.replacingOccurrences(of: "catalogue_file = \"\"", with: "catalogue_file = \"\(catalogue)\"")
                .write(toFile: cluster.aggregatorConfig, atomically: true, encoding: .utf8)
            try await cluster.startAggregator()

            let sync = try await node.syncCompletely()
            #expect(sync.pulled == 0, "rules are not events: \(sync)")
            let status = try await node.status()
            let version = try #require(status["rules_version"] as? String)
            #expect(version != shipped, "the node still checks against \(version)")
            let accepted = try await node.run(["record", "--kind", "request.received", "--service", "ADM.SURAT_PINDAH_BARU", "--desa", "35.07.07.2001", "--json"])
            #expect(accepted.status == 0, "the new service must be accepted after the sync: \(accepted.summary)")
            let last = try #require(try await node.logEntries().last)
            #expect(String(decoding: last.bytes, as: UTF8.self).contains("\"rules\":\"\(version)\""), "the entry does not name rules \(version)")
            let ktp = try await node.run(["record", "--kind", "request.received", "--service", "ADM.KTPEL", "--desa", "35.07.07.2001",
                                          "--occurred-at", "2026-01-05T09:00:00+07:00", "--json"])
            #expect(ktp.status == 0)
            let cases = try await node.cases()
            let ktpCase = try #require(cases.first { $0["service"] as? String == "ADM.KTPEL" })
            #expect((ktpCase["target_days"] as? NSNumber)?.intValue == 3, "the new target did not reach the node: \(ktpCase)")
            try await node.syncCompletely()
            let quarantined = try await cluster.runAdmin(["quarantine", "list", "--json"])
            let held = try JSONSerialization.jsonObject(with: quarantined.stdout) as? [Any]
            #expect(held?.isEmpty == true, "entries checked against the province's rules must not be quarantined: \(quarantined.stdoutText)")
        }
    }

    static func eventID(_ bytes: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else { return nil }
        return (object["event"] as? [String: Any])?["id"] as? String
    }
}
