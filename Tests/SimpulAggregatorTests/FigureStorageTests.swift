import Foundation
import HummingbirdTesting
import SimpulAggregator
import SimpulCore
import Testing

/// The figure tables on each backend, fed by real pushes: the figure job takes in what was stored, folds each case,
/// and keeps the sums per kecamatan, service and month; held entries count nowhere until released; the dashboard
/// reads the result per area, in Bahasa Indonesia or English.
@Suite struct FigureStorageTests {
    static let provider = "DISDUKCAPIL.35.07"

    static func event(_ kind: EventKind, case caseID: String, at: String, service: String = "ADM.KTPEL", desa: String? = nil,
                      provider: String? = nil, reason: String? = nil) throws -> Data {
        try Event(id: UUID().uuidString.lowercased(), kind: kind, caseID: caseID, service: service, desa: desa,
                  channel: kind.opensCase ? .counter : nil, provider: provider, reason: reason, occurredAt: at).canonicalJSON()
    }

    static func sums(_ storage: any AggregatorStorage, _ area: String) async throws -> FigureCounts {
        try await storage.figureSums(area: AreaRange(area)).reduce(FigureCounts()) { $0 + $1.counts }
    }

    @Test("pushed cases reach the sums once, move as they progress, and held entries count only once released")
    func figuresFollowThePushes() async throws {
        var a = NodeLog(id: "35.07.01")
        a.append(eventJSON: try Self.event(.requestReceived, case: "K1", at: "2026-03-01T09:00:00+07:00", desa: "35.07.01.2001"))
        a.append(eventJSON: try Self.event(.requestReferred, case: "K1", at: "2026-03-01T10:00:00+07:00", provider: Self.provider))
        a.append(eventJSON: try Self.event(.requestReceived, case: "K2", at: "2026-03-02T09:00:00+07:00", desa: "35.07.01.2006"))
        var b = NodeLog(id: "35.07.02")
        b.append(eventJSON: try Self.event(.requestReceived, case: "K1", at: "2026-03-01T09:00:00+07:00", desa: "35.07.02.2001"))
        b.append(eventJSON: try Self.event(.requestRejected, case: "K1", at: "2026-03-01T12:00:00+07:00", reason: "incomplete_documents"))
        let first = a, second = b
        let h = try await AggregatorHarness.make(enrolling: [first, second])
        try await h.test { client in
            _ = try await client.pushOK(first, 1...3)
            _ = try await client.pushOK(second, 1...2)
            #expect(try await FigureUpdater.catchUp(h.storage) == 5)
            #expect(try await FigureUpdater.catchUp(h.storage) == 0, "up to date: nothing taken in twice")

            var all = try await Self.sums(h.storage, "35")
            #expect(all.received == 3 && all.referred == 1 && all.rejected == 1 && all.open == 2 && all.closeMinutes == 180)
            #expect(try await Self.sums(h.storage, "35.07.02").received == 1, "K1 of the other office is its own case")
            #expect(try await Self.sums(h.storage, "52").received == 0)
            let now = Int64(Date().timeIntervalSince1970)
            let ages = try await h.storage.openCaseAges(area: AreaRange("35.07"), cutoffs: (now - 7 * 86_400, now - 14 * 86_400, now - 30 * 86_400))
            #expect(ages == [OpenCaseAges(kecamatan: "35.07.01", open: 2, over7Days: 2, over14Days: 2, over30Days: 2)])
            #expect(try await h.storage.providerBacklogs(area: AreaRange(""), now: now) == [ProviderBacklog(provider: Self.provider, awaiting: 1, overdue: 1)])
            #expect(try await h.storage.casesPerDesa(kecamatan: "35.07.01") == ["35.07.01.2001": 1, "35.07.01.2006": 1])

            // The case moves on: completed. Its old figure leaves the sums, its new one enters.
            var moved = first
            moved.append(eventJSON: try Self.event(.requestCompleted, case: "K1", at: "2026-03-05T09:00:00+07:00"))
            // And one event the aggregator's rules refuse (an unknown service): held, counted nowhere.
            moved.append(eventJSON: try Self.event(.requestReceived, case: "K3", at: "2026-03-06T09:00:00+07:00",
                                                   service: "PATEN.JATIM.IZIN_KERAMAIAN", desa: "35.07.01.2001"))
            let node = moved
            let receipt = try await client.pushOK(node, 4...5)
            #expect(receipt.quarantined == 1)
            #expect(try await FigureUpdater.catchUp(h.storage) == 2)
            all = try await Self.sums(h.storage, "35")
            #expect(all.received == 3 && all.completed == 1 && all.open == 1 && all.targetMeasured == 2 && all.withinTarget == 2)
            #expect(try await h.storage.providerBacklogs(area: AreaRange(""), now: now).isEmpty)

            // Released: the held case now counts, under its own service.
            let held = try await h.storage.quarantined(node: node.id)
            #expect(try await h.storage.release(held, at: RFC3339.format(Date())) == 1)
            #expect(try await FigureUpdater.catchUp(h.storage) == 1)
            let rows = try await h.storage.figureSums(area: AreaRange("35.07.01"))
            #expect(rows.first { $0.key.service == "PATEN.JATIM.IZIN_KERAMAIAN" }?.counts.received == 1)
            #expect(try await Self.sums(h.storage, "").received == 4)
        }
    }

    @Test("the dashboard: Bahasa Indonesia by default, English on request, drill-down by area code, a chart; an unknown area is a 400")
    func dashboardByArea() async throws {
        var a = NodeLog(id: "35.07.01")
        a.append(eventJSON: try Self.event(.requestReceived, case: "K1", at: "2026-03-01T09:00:00+07:00", desa: "35.07.01.2001"))
        a.append(eventJSON: try Self.event(.requestReferred, case: "K1", at: "2026-03-01T10:00:00+07:00", provider: Self.provider))
        let node = a
        let h = try await AggregatorHarness.make(enrolling: [node])
        try await h.test { client in
            _ = try await client.pushOK(node, 1...2)
            try await FigureUpdater.catchUp(h.storage)
            func page(_ uri: String) async throws -> (Int, String) {
                let response = try await client.execute(uri: uri, method: .get)
                return (response.status.code, String(buffer: response.body))
            }
            let (status, top) = try await page("/")
            #expect(status == 200)
            #expect(top.contains("lang=\"id\"") && top.contains("Permintaan layanan per bulan") && top.contains("<svg"))
            #expect(top.contains("href=\"/?area=35\"") && top.contains("Jawa Timur"), "the province to drill into")
            #expect(top.contains("<table id=\"demand-by-service\"><tr><th>Layanan</th><th>2026-03</th></tr>"), "demand by service and month")
            #expect(top.contains("<tr><td>Perekaman dan pencetakan KTP-el</td><td class=\"n\">1</td></tr>"))
            let (_, kabupaten) = try await page("/?area=35.07")
            #expect(kabupaten.contains("Kabupaten Malang") && kabupaten.contains("href=\"/?area=35.07.01\"") && kabupaten.contains("Donomulyo"))
            #expect(kabupaten.contains(Self.provider), "the referral waiting for its provider")
            let (_, kecamatan) = try await page("/?area=35.07.01&lang=en")
            #expect(kecamatan.contains("lang=\"en\"") && kecamatan.contains("Demand for services") && kecamatan.contains("Tulungrejo"))
            #expect(kecamatan.contains("href=\"/?area=35.07.01\"") && kecamatan.contains("Bahasa Indonesia"), "the switch back keeps the area")
            #expect(kecamatan.contains("href=\"/export/events?area=35.07.01&format=csv\""), "the area's download link")
            let (_, desa) = try await page("/?area=35.07.01.2001")
            #expect(desa.contains("Tulungrejo") && desa.contains("Perekaman dan pencetakan KTP-el"))
            for bad in ["/?area=35.7", "/?area=abc", "/?area=35.07.01.2001.1", "/?area=%3Cscript%3E"] {
                let (code, body) = try await page(bad)
                #expect(code == 400 && body.contains("area"), "\(bad): \(code)")
            }
        }
    }
}
