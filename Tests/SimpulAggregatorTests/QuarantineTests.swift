import Foundation
import HummingbirdTesting
import SimpulAggregator
import SimpulCore
import Testing

/// Sync never sticks on one event the aggregator disagrees with: a well-formed, chained, signed entry is always
/// stored and acknowledged; an event that breaks the aggregator's rules is held in quarantine, counted nowhere,
/// and released by `quarantine recheck` once the rules allow it.
@Suite struct QuarantineTests {
    /// An event the shipped catalogue does not know (a province's own service the aggregator was not told about).
    static func provincialService(_ id: String = UUID().uuidString.lowercased()) throws -> Data {
        try Event(id: id, kind: .requestReceived, caseID: "case-\(id.prefix(8))", service: "PATEN.JATIM.IZIN_KERAMAIAN",
                  desa: "35.07.01.2001", channel: .counter, occurredAt: "2026-03-01T09:00:00+07:00").canonicalJSON()
    }

    /// A catalogue with the province's own service added: the aggregator's rules once they are aligned.
    static func alignedRules() throws -> EventRules {
        var csv = String(decoding: try Data(contentsOf: URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/services.csv")), as: UTF8.self)
        csv += "\nPATEN.JATIM.IZIN_KERAMAIAN,Izin keramaian (Jawa Timur),PATEN,3\n"
        return EventRules(catalogue: try ServiceCatalogue(csv: csv, source: "test"))
    }

    @Test("10 valid, 1 the aggregator refuses, 10 valid: head 21, 20 counted, 1 quarantined; recheck after aligning releases it")
    func oneDisagreementDoesNotBlockTheLog() async throws {
        var log = try NodeLog.recorded(10)
        let heldID = UUID().uuidString.lowercased()
        log.append(eventJSON: try Self.provincialService(heldID))
        try log.record(10)
        let node = log
        let h = try await AggregatorHarness.make(enrolling: [node])
        try await h.test { client in
            let receipt = try await client.pushOK(node, 1...21)
            #expect(receipt.seq == 21 && receipt.stored == 21)
            #expect(receipt.quarantined == 1)
            #expect(receipt.quarantineReason?.contains("seq 11") == true && receipt.quarantineReason?.contains("service") == true,
                    "\(String(describing: receipt.quarantineReason))")
            #expect(receipt.isValidlySigned, "the quarantine lines are signed")
            // A node that predates quarantine checks the receipt's own signature over the lines it knows: still valid.
            let key = try PublicKey(base64: receipt.aggregatorKey)
            #expect(key.isValid(signature: receipt.signature,
                                for: Data("simpul-receipt-v1\n\(receipt.node)\n\(receipt.seq)\n\(receipt.hash)\n\(receipt.issuedAt)".utf8)))
            var forged = receipt
            forged.quarantined = 0
            #expect(!forged.isValidlySigned, "a changed quarantine count must not verify")
            #expect(try await h.head(node.id)?.seq == 21)
            #expect(try h.entryCount(node: node.id) == 21, "the held entry is stored with the others (the chain stays whole)")

            let held = try await h.storage.quarantined(node: node.id)
            #expect(held.count == 1)
            #expect(held.first?.seq == 11 && held.first?.eventID == heldID && held.first?.field == "service")
            let figures = try await h.figuresByService()
            #expect(Array(figures.keys) == ["ADM.KTPEL"], "a held entry counts in no figure: \(figures)")
            #expect(figures["ADM.KTPEL"]?.received == 20)

            // The node learns it from every receipt, the head read's too; metrics and the dashboard show it.
            let headResponse = try await client.readHead(node: node.id, signer: node.key)
            let head = try JSONDecoder().decode(HeadResponse.self, from: Data(buffer: headResponse.body))
            #expect(head.receipt.quarantined == 1 && head.receipt.isValidlySigned)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("simpul_quarantined_entries 1"), "\(metrics)")
            #expect(metrics.contains(#"simpul_entries_quarantined_total{field="service"} 1"#), "quarantines by the field at fault")
            #expect(metrics.contains("simpul_node_quarantined_entries{node=\"\(node.id)\"} 1"))
            let page = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(page.contains("Dikarantina") && page.contains("<td class=\"n warn\">1</td>"), "the node's held entry on the dashboard")

            // Re-sending the batch acknowledges it again without holding anything twice.
            let again = try await client.pushOK(node, 1...21)
            #expect(again.stored == 0 && again.duplicates == 21 && again.quarantined == 1)
            #expect(try await h.storage.quarantined(node: nil).count == 1)

            // Under the same rules nothing is released; once the catalogue knows the service, it is.
            let unchanged = try await QuarantineRecheck(storage: h.storage, rules: EventRules()).run(now: Date())
            #expect(unchanged == QuarantineRecheck.Result(released: 0, held: 1))
            let released = try await QuarantineRecheck(storage: h.storage, rules: try Self.alignedRules()).run(now: Date())
            #expect(released == QuarantineRecheck.Result(released: 1, held: 0))
            #expect(try await h.storage.quarantined(node: nil).isEmpty)
            #expect(try await h.storage.node(node.id)?.quarantined == 0)
            let after = try await h.figuresByService()
            #expect(after["PATEN.JATIM.IZIN_KERAMAIAN"]?.received == 1)
            #expect(after["ADM.KTPEL"]?.received == 20)
            let clean = try await client.readHead(node: node.id, signer: node.key)
            #expect(try JSONDecoder().decode(HeadResponse.self, from: Data(buffer: clean.body)).receipt.quarantined == nil)
        }
    }

    @Test("a desa outside the aggregator's wilayah list (the node allows unknown wilayah) is held, and released once the aggregator allows it")
    func wilayahSettingsDiffer() async throws {
        var log = try NodeLog.recorded(2)
        let unknownDesa = try Event(id: UUID().uuidString.lowercased(), kind: .requestReceived, caseID: "c-desa", service: "ADM.KTPEL",
                                    desa: "35.07.01.2999", channel: .counter, occurredAt: "2026-03-01T09:00:00+07:00").canonicalJSON()
        log.append(eventJSON: unknownDesa)
        let node = log
        let h = try await AggregatorHarness.make(enrolling: [node])
        try await h.test { client in
            let receipt = try await client.pushOK(node, 1...3)
            #expect(receipt.seq == 3 && receipt.quarantined == 1)
            #expect(try await h.storage.quarantined(node: node.id).first?.field == "desa")
            let result = try await QuarantineRecheck(storage: h.storage, rules: EventRules(allowUnknownWilayah: true)).run(now: Date())
            #expect(result.released == 1)
        }
    }

    @Test("free text over its byte limit, with control characters or NUL, is held at ingest, never stored in a figure")
    func textLimitsAtIngest() async throws {
        let officers = [
            "a" + String(repeating: "\u{0301}", count: 100),  // one visible letter, 201 bytes
            String(repeating: "😀", count: 17),  // 68 bytes
            "Sari\u{0000}",
            "Sari\u{001B}[31m",
        ]
        var log = NodeLog()
        for officer in officers {
            log.append(eventJSON: try Event(id: UUID().uuidString.lowercased(), kind: .requestReceived, caseID: "c-text", service: "ADM.KTPEL",
                                            desa: "35.07.01.2001", channel: .counter, officer: officer,
                                            occurredAt: "2026-03-01T09:00:00+07:00").canonicalJSON())
        }
        let node = log
        let h = try await AggregatorHarness.make(enrolling: [node])
        try await h.test { client in
            let receipt = try await client.pushOK(node, 1...4)
            #expect(receipt.seq == 4 && receipt.quarantined == 4)
            let held = try await h.storage.quarantined(node: node.id)
            #expect(held.map(\.field) == ["officer", "officer", "officer", "officer"])
            #expect(held.allSatisfy { !$0.reason.unicodeScalars.contains { $0.value == 0 || $0.value == 0x1B } }, "a reason echoes a control character")
            #expect(held[0].reason.utf8.count < 400, "the reason repeats the 200 bytes of combining marks: \(held[0].reason)")
            #expect(try await h.figuresByService().isEmpty)
        }
    }

    @Test("an entry whose bytes are not valid UTF-8 is not well formed: refused 422, nothing stored")
    func invalidUTF8IsRefused() async throws {
        var log = try NodeLog.recorded(1)
        var json = try NodeLog.validEventJSON()
        let officer = try #require(json.range(of: Data("Sari".utf8)))
        json.replaceSubrange(officer, with: Data([0x53, 0xFF, 0xFE, 0x69]))
        log.append(eventJSON: json)
        let node = log
        let h = try await AggregatorHarness.make(enrolling: [node])
        try await h.test { client in
            _ = try await client.pushOK(node, 1...1)
            let problem = try await h.expectRefusal(status: 422, type: "invalid-entry") {
                try await client.push(node: node.id, body: try node.body(2...2))
            }
            #expect(problem.seq == 2 && problem.detail.contains("UTF-8"), "\(problem.detail)")
        }
    }
}
