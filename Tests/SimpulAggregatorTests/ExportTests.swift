import Foundation
import HummingbirdTesting
import SimpulAggregator
import SimpulCore
import Testing

/// `export events|cases` on each backend: the rows of an area and a date range, CSV a spreadsheet cannot be tricked
/// by, JSON Lines, held entries left out, and the same bytes behind the dashboard's download link.
@Suite struct ExportTests {
    static func event(_ kind: EventKind, case caseID: String, at: String, desa: String? = nil, reason: String? = nil,
                      service: String = "ADM.KTPEL") throws -> Data {
        try Event(id: UUID().uuidString.lowercased(), kind: kind, caseID: caseID, service: service, desa: desa,
                  channel: kind.opensCase ? .counter : nil, reason: reason, occurredAt: at).canonicalJSON()
    }

    static func run(_ kind: Export.Kind, _ storage: any AggregatorStorage, _ filter: ExportFilter, _ format: ExportFormat = .csv,
                    pageSize: Int = 5_000) async throws -> String {
        var export = Export(kind, storage: storage, filter: filter, format: format, pageSize: pageSize, catchUp: true)
        var out = Data()
        while let chunk = try await export.next() { out.append(chunk) }
        return String(decoding: out, as: UTF8.self)
    }

    @Test("events by area and date, cases by area, CSV and JSON Lines; held entries left out; the download link gives the same")
    func exportsFollowTheFilter() async throws {
        var a = NodeLog(id: "35.07.01")
        a.append(eventJSON: try Self.event(.requestReceived, case: "K1", at: "2026-03-01T09:00:00+07:00", desa: "35.07.01.2001"))
        a.append(eventJSON: try Self.event(.requestRejected, case: "K1", at: "2026-03-02T09:00:00+07:00", reason: "incomplete_documents"))
        a.append(eventJSON: try Self.event(.requestReceived, case: "K2", at: "2026-04-01T09:00:00+07:00", desa: "35.07.01.2006"))
        a.append(eventJSON: try Self.event(.requestReceived, case: "K3", at: "2026-03-05T09:00:00+07:00", desa: "35.07.01.2001",
                                           service: "PATEN.JATIM.IZIN_KERAMAIAN"))
        var b = NodeLog(id: "35.07.02")
        b.append(eventJSON: try Self.event(.requestReceived, case: "K1", at: "2026-03-01T10:00:00+07:00", desa: "35.07.02.2001"))
        // A case number a spreadsheet would read as a formula.
        b.append(eventJSON: try Self.event(.requestReceived, case: "-23", at: "2026-06-01T10:00:00+07:00", desa: "35.07.02.2001"))
        let first = a, second = b
        let h = try await AggregatorHarness.make(enrolling: [first, second])
        try await h.test { client in
            _ = try await client.pushOK(first, 1...4)
            _ = try await client.pushOK(second, 1...2)

            let all = try await Self.run(.events, h.storage, try ExportFilter())
            let lines = all.split(separator: "\n")
            #expect(lines.first == "node,seq,event_id,kind,case_node,case,service,desa,kecamatan,occurred_at,channel,provider,reason,outcome,supersedes,subject,subject_sex,subject_age_band")
            #expect(lines.count == 1 + 5, "5 events stored and counted; the held one is left out: \(all)")
            #expect(all.contains(",\"'-23\","), "a formula is quoted and defused: \(all)")

            let march = try await Self.run(.events, h.storage, try ExportFilter(area: "35.07.01", from: "2026-03-01", to: "2026-03-31"))
            #expect(march.split(separator: "\n").count == 1 + 2, "K1's two events of 35.07.01 in March: \(march)")
            let oneDay = try await Self.run(.events, h.storage, try ExportFilter(from: "2026-03-01", to: "2026-03-01"))
            #expect(oneDay.split(separator: "\n").count == 1 + 2, "both offices' events of 1 March")

            let json = try await Self.run(.events, h.storage, try ExportFilter(area: "35.07.02"), .json)
            let objects = json.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(objects.count == 2 && objects[0]?["node"] as? String == "35.07.02" && objects[0]?["seq"] as? Int == 1)
            #expect(objects.last??["case"] as? String == "-23", "JSON carries the value as it is")
            #expect(objects[0]?["reason"] == nil, "absent values are left out")

            let cases = try await Self.run(.cases, h.storage, try ExportFilter(area: "35.07"))
            let caseLines = cases.split(separator: "\n")
            #expect(caseLines.count == 1 + 4, "K1 and K2 of 35.07.01, K1 and -23 of 35.07.02: \(cases)")
            #expect(caseLines.contains { $0.hasPrefix("35.07.01,K1,ADM.KTPEL,35.07.01,35.07.01.2001,rejected,,2026-03-01,,,1440,true,") })
            let desa = try await Self.run(.cases, h.storage, try ExportFilter(area: "35.07.01.2006"))
            #expect(desa.split(separator: "\n").count == 2)

            // Page by page (two rows a page here) gives the same bytes as one page.
            for kind in Export.Kind.allCases {
                for area in ["", "35.07", "35.07.01.2001"] {
                    let whole = try await Self.run(kind, h.storage, try ExportFilter(area: area))
                    #expect(try await Self.run(kind, h.storage, try ExportFilter(area: area), pageSize: 2) == whole, "\(kind) \(area)")
                }
            }

            let download = try await client.execute(uri: "/export/events?area=35.07.01&from=2026-03-01&to=2026-03-31", method: .get)
            #expect(download.status == .ok && download.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(String(buffer: download.body) == march)
            for bad in ["/export/events?area=35.7", "/export/events?from=March", "/export/cases?format=xml",
                        "/export/events?from=2026-03-02&to=2026-03-01"] {
                let response = try await client.execute(uri: bad, method: .get)
                #expect(response.status == .badRequest, "\(bad): \(response.status)")
            }
            #expect(try await client.execute(uri: "/export/nodes", method: .get).status == .notFound)
        }
    }

    @Test("a filter of the wrong shape says which and how")
    func filterErrors() {
        #expect(throws: AggregatorError.self) { try ExportFilter(area: "jatim") }
        #expect(throws: AggregatorError.self) { try ExportFilter(from: "2026-02-30") }
        #expect(throws: AggregatorError.self) { try ExportFilter(from: "2026-03-02", to: "2026-03-01") }
        #expect(throws: Never.self) { try ExportFilter(area: "52.01", from: "2026-01-01", to: "2026-12-31") }
    }
}
