import Foundation
import SimpulCore

/// The dashboard at `/`: demand against supply for an area (all areas, a province, a kabupaten/kota, a kecamatan or a
/// desa), with its sub-areas to drill into; service times against their targets, open cases by age, referrals waiting
/// per provider, and the office nodes with the silent kecamatan flagged. Read from the figure tables only (kept up to
/// date by `FigureUpdater`), never from the entries. Bahasa Indonesia by default, English with `lang=en`.
enum Dashboard {
    /// A node is silent when it has not synced for this long.
    static let silentAfterSeconds: TimeInterval = 2 * 86_400
    /// At most this many silent kecamatan are named on a page (the count is always shown).
    static let silentListed = 60

    static func render(storage: any AggregatorStorage, refusals: [String: AggregatorMetrics.Refusal], now: Date,
                       area: DashboardArea, language t: DashboardLanguage) async throws -> String {
        let range = AreaRange(area.code)
        let nowEpoch = Int64(now.timeIntervalSince1970)
        var sums: [FigureSumRow]
        if area.level == .desa {
            sums = try await storage.caseFigures(desa: area.code).map {
                FigureSumRow(key: FigureChanges.sumKey($0), counts: FigureCounts($0))
            }
        } else {
            // Added up in the database per sub-area: a province reads a row per kabupaten, service and month.
            let prefix = [DashboardArea.Level.all: 2, .province: 5][area.level] ?? 8
            sums = try await storage.figureSums(area: range, prefixLength: prefix)
        }
        let ages = area.level == .desa ? [] : try await storage.openCaseAges(
            area: range, cutoffs: (nowEpoch - 7 * 86_400, nowEpoch - 14 * 86_400, nowEpoch - 30 * 86_400))
        let backlogs = area.level == .desa ? [] : try await storage.providerBacklogs(area: range, now: nowEpoch)
        let perDesa = area.level == .kecamatan ? try await storage.casesPerDesa(kecamatan: area.code) : [:]
        let nodes = try await storage.listNodes().filter { area.code.isEmpty || nodeArea($0.id).hasPrefix(area.code) }
        sums.sort { $0.key < $1.key }

        var html = head(area: area, t: t, now: now)
        html += demandSection(sums, t: t)
        html += serviceSection(sums, t: t)
        html += downloadLinks(area: area, t: t)
        html += childSection(area: area, sums: sums, ages: ages, perDesa: perDesa, t: t)
        html += providerSection(backlogs, t: t)
        html += nodeSection(nodes, area: area, refusals: refusals, now: now, t: t)
        html += "</main></body></html>\n"
        return html
    }

    /// The area code a node belongs to: an office's kecamatan, or the area in a provider's code (`DISDUKCAPIL.35.07`).
    static func nodeArea(_ id: String) -> String {
        if NodeID.isProviderCode(id) {
            return id.split(separator: ".", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        }
        return NodeID.kecamatan(of: id)
    }

    static func link(_ area: String, _ t: DashboardLanguage) -> String {
        var query = [String]()
        if !area.isEmpty { query.append("area=\(area)") }
        if t == .en { query.append("lang=en") }
        return "/" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    static func head(area: DashboardArea, t: DashboardLanguage, now: Date) -> String {
        let zone = LocalZone.of(area: area.code.isEmpty ? "35" : area.code)
        let other: DashboardLanguage = t == .id ? .en : .id
        var crumbs = area.ancestors.map { "<a href=\"\(link($0.code, t))\">\(escape($0.level == .all ? t(.wholeDatabase) : $0.name))</a>" }
        crumbs.append("<span>\(escape(area.level == .all ? t(.wholeDatabase) : area.name))</span>")
        return """
            <!doctype html><html lang="\(t.rawValue)"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(t(.title)))\(area.level == .all ? "" : ": " + escape(area.name))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:0;color:#222}header{background:#1d4f73;color:#fff;padding:.8em 1em}
            header a{color:#fff}main{padding:0 1em 2em;max-width:1100px}nav.crumbs{margin:.6em 0}nav.crumbs a,nav.crumbs span{margin-right:.4em}
            nav.crumbs a:after{content:" ›";color:#888}.scroll{overflow-x:auto}table{border-collapse:collapse;margin:.4em 0 1em}
            td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;white-space:nowrap}td.n{text-align:right}
            .warn{background:#fde2b3}.bad{background:#f8c0c0}.chart{width:100%;max-width:720px;height:auto}.note{color:#555;font-size:.9em}
            .lang{float:right}
            </style></head><body>
            <header><a class="lang" id="lang-switch" href="\(link(area.code, other))">\(t(.language))</a>
            <strong>\(escape(t(.title)))</strong><br>\(escape(area.levelName(t)))\(area.level == .all ? "" : ": <span id=\"area-name\">" + escape(area.name) + "</span> (" + escape(area.code) + ")")
            </header><main>
            <nav class="crumbs">\(crumbs.joined())</nav>
            <p class="note">\(t(.asOf)) \(escape(zone.format(now)))</p>

            """
    }

    static func demandSection(_ sums: [FigureSumRow], t: DashboardLanguage) -> String {
        var perMonth = [String: Int64]()
        for row in sums { perMonth[row.key.month, default: 0] += row.counts.received }
        let months = perMonth.keys.sorted().suffix(24)
        var html = "<section id=\"demand\"><h2>\(t(.demandTitle))</h2><p class=\"note\">\(t(.demandNote))</p>"
        if months.isEmpty { return html + "<p>\(t(.noData))</p></section>\n" }
        html += BarChart(title: t(.demandTitle), bars: months.map { ($0, perMonth[$0]!) }).svg()
        // Per service, the last six months: which demand grows.
        let recent = Array(months.suffix(6))
        var perService = [String: [String: Int64]]()
        for row in sums where recent.contains(row.key.month) { perService[row.key.service, default: [:]][row.key.month, default: 0] += row.counts.received }
        let names = ServiceCatalogue.shipped.services
        html += "<div class=\"scroll\"><table id=\"demand-by-service\"><tr><th>\(t(.service))</th>"
        html += recent.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for service in perService.keys.sorted(by: { (perService[$0]!.values.reduce(0, +), $1) > (perService[$1]!.values.reduce(0, +), $0) }) {
            html += "<tr><td>\(escape(names[service]?.name ?? service))</td>"
            html += recent.map { "<td class=\"n\">\(perService[service]![$0] ?? 0)</td>" }.joined() + "</tr>\n"
        }
        return html + "</table></div></section>\n"
    }

    static func serviceSection(_ sums: [FigureSumRow], t: DashboardLanguage) -> String {
        var perService = [String: FigureCounts]()
        for row in sums { perService[row.key.service, default: FigureCounts()] += row.counts }
        let catalogue = ServiceCatalogue.shipped
        var html = "<section id=\"services\"><h2>\(t(.servicesTitle))</h2><p class=\"note\">\(t(.calendarDays))</p>"
        guard !perService.isEmpty else { return html + "<p>\(t(.noData))</p></section>\n" }
        html += "<div class=\"scroll\"><table><tr><th>\(t(.service))</th><th>\(t(.received))</th><th>\(t(.referred))</th>"
        html += "<th>\(t(.responded))</th><th>\(t(.completed))</th><th>\(t(.rejected))</th><th>\(t(.open))</th><th>\(t(.toReferral))</th>"
        html += "<th>\(t(.toResponse))</th><th>\(t(.toClose))</th><th>\(t(.targetDays))</th><th>\(t(.withinTarget))</th><th>\(t(.flagged))</th></tr>\n"
        for code in perService.keys.sorted() {
            let c = perService[code]!
            let service = catalogue.services[code]
            let within = c.percentWithinTarget
            let cls = within.map { $0 < 80 ? "bad" : ($0 < 95 ? "warn" : "") } ?? ""
            html += "<tr data-service=\"\(escape(code))\" data-received=\"\(c.received)\"><td>\(escape(service?.name ?? code)) <span class=\"note\">(\(escape(code)))</span></td>"
            html += [c.received, c.referred, c.responded, c.completed, c.rejected, c.open].map { "<td class=\"n\">\($0)</td>" }.joined()
            html += "<td class=\"n\">\(duration(FigureCounts.meanDays(minutes: c.referralMinutes, count: c.referralCount), t))</td>"
            html += "<td class=\"n\">\(duration(FigureCounts.meanDays(minutes: c.responseMinutes, count: c.responseCount), t))</td>"
            html += "<td class=\"n\">\(duration(FigureCounts.meanDays(minutes: c.closeMinutes, count: c.closeCount), t))</td>"
            html += "<td class=\"n\">\(service.map { String($0.targetDays) } ?? "-")</td>"
            html += "<td class=\"n \(cls)\">\(within.map { String(format: "%.0f%%", $0) } ?? "-")</td><td class=\"n\">\(c.flagged)</td></tr>\n"
        }
        return html + "</table></div></section>\n"
    }

    /// The area's export, as the dashboard's download links (`GET /export/{kind}`).
    static func downloadLinks(area: DashboardArea, t: DashboardLanguage) -> String {
        let query = area.code.isEmpty ? "" : "area=\(area.code)&"
        let links = [("events", t(.downloadEvents)), ("cases", t(.downloadCases))].flatMap { kind, label in
            ["csv", "json"].map { "<a class=\"download\" href=\"/export/\(kind)?\(query)format=\($0)\">\(label) (\($0.uppercased()))</a>" }
        }
        return "<p id=\"downloads\">\(t(.download)): \(links.joined(separator: " · "))</p>\n"
    }

    static func childSection(area: DashboardArea, sums: [FigureSumRow], ages: [OpenCaseAges], perDesa: [String: Int],
                             t: DashboardLanguage) -> String {
        var html = "<section id=\"areas\"><h2>\(t(.openTitle))</h2><div class=\"scroll\"><table><tr><th>\(t(.area))</th><th>\(t(.received))</th>"
        html += "<th>\(t(.completed))</th><th>\(t(.withinTarget))</th><th>\(t(.openCases))</th><th>\(t(.over7))</th><th>\(t(.over14))</th><th>\(t(.over30))</th></tr>\n"
        switch area.level {
        case .kecamatan:
            // The kecamatan's own open cases by age, then its desa with their cases.
            let c = sums.reduce(FigureCounts()) { $0 + $1.counts }
            let a = ages.first
            html += "<tr><td>\(escape(area.name))</td><td class=\"n\">\(c.received)</td><td class=\"n\">\(c.completed)</td>"
            html += "<td class=\"n\">\(c.percentWithinTarget.map { String(format: "%.0f%%", $0) } ?? "-")</td><td class=\"n\">\(a?.open ?? 0)</td>"
            html += "<td class=\"n\">\(a?.over7Days ?? 0)</td><td class=\"n\">\(a?.over14Days ?? 0)</td><td class=\"n\">\(a?.over30Days ?? 0)</td></tr>\n"
            html += "</table></div><h3>\(t(.desa))</h3><div class=\"scroll\"><table><tr><th>\(t(.desa))</th><th>\(t(.received))</th></tr>\n"
            var codes = Set(perDesa.keys)
            for (code, _) in area.desaCodes() { codes.insert(code) }
            for code in codes.sorted() {
                let name = DashboardArea(code: code)?.name ?? code
                html += "<tr><td><a class=\"drill\" href=\"\(link(code, t))\">\(escape(name))</a></td><td class=\"n\">\(perDesa[code] ?? 0)</td></tr>\n"
            }
        case .desa:
            break
        default:
            var counts = [String: FigureCounts]()
            for row in sums { if let child = area.child(ofKecamatan: row.key.kecamatan) { counts[child, default: FigureCounts()] += row.counts } }
            var open = [String: OpenCaseAges]()
            for age in ages {
                guard let child = area.child(ofKecamatan: age.kecamatan) else { continue }
                var sum = open[child] ?? OpenCaseAges(kecamatan: child, open: 0, over7Days: 0, over14Days: 0, over30Days: 0)
                sum.open += age.open; sum.over7Days += age.over7Days; sum.over14Days += age.over14Days; sum.over30Days += age.over30Days
                open[child] = sum
            }
            for code in Set(counts.keys).union(open.keys).sorted() {
                let c = counts[code] ?? FigureCounts()
                let a = open[code]
                let name = DashboardArea(code: code)?.name ?? code
                html += "<tr><td><a class=\"drill\" href=\"\(link(code, t))\">\(escape(name))</a> <span class=\"note\">\(escape(code))</span></td>"
                html += "<td class=\"n\">\(c.received)</td><td class=\"n\">\(c.completed)</td>"
                html += "<td class=\"n\">\(c.percentWithinTarget.map { String(format: "%.0f%%", $0) } ?? "-")</td>"
                html += "<td class=\"n\">\(a?.open ?? 0)</td><td class=\"n\">\(a?.over7Days ?? 0)</td>"
                html += "<td class=\"n \((a?.over14Days ?? 0) > 0 ? "warn" : "")\">\(a?.over14Days ?? 0)</td>"
                html += "<td class=\"n \((a?.over30Days ?? 0) > 0 ? "bad" : "")\">\(a?.over30Days ?? 0)</td></tr>\n"
            }
        }
        return html + "</table></div></section>\n"
    }

    static func providerSection(_ backlogs: [ProviderBacklog], t: DashboardLanguage) -> String {
        var html = "<section id=\"providers\"><h2>\(t(.providersTitle))</h2>"
        guard !backlogs.isEmpty else { return html + "<p>\(t(.noData))</p></section>\n" }
        html += "<div class=\"scroll\"><table><tr><th>\(t(.provider))</th><th>\(t(.awaiting))</th><th>\(t(.overdue))</th></tr>\n"
        for b in backlogs.sorted(by: { ($0.overdue, $0.awaiting) > ($1.overdue, $1.awaiting) }) {
            html += "<tr><td>\(escape(b.provider))</td><td class=\"n\">\(b.awaiting)</td>"
            html += "<td class=\"n \(b.overdue > 0 ? "bad" : "")\">\(b.overdue)</td></tr>\n"
        }
        return html + "</table></div></section>\n"
    }

    static func nodeSection(_ nodes: [NodeRecord], area: DashboardArea, refusals: [String: AggregatorMetrics.Refusal], now: Date,
                            t: DashboardLanguage) -> String {
        var html = "<section id=\"nodes\"><h2>\(t(.nodesTitle)) (\(nodes.count))</h2><div class=\"scroll\"><table><tr><th>\(t(.node))</th>"
        html += "<th>\(t(.kecamatan))</th><th>\(t(.state))</th><th>\(t(.headSeq))</th><th>\(t(.backlog))</th><th>\(t(.lastSeen))</th><th>\(t(.clockSkew))</th>"
        html += "<th>\(t(.quarantined))</th></tr>\n"
        var seenKecamatan = Set<String>()
        var listedQuietly = 0
        for node in nodes {
            let zone = LocalZone.of(area: nodeArea(node.id))
            let lastSeen = node.lastSeenAt.flatMap { RFC3339.parse($0)?.date }
            let silent = lastSeen.map { now.timeIntervalSince($0) > silentAfterSeconds } ?? true
            if !silent { seenKecamatan.insert(nodeArea(node.id)) }
            let skewed = abs(node.clockSkewSeconds ?? 0) > 300
            // Above a kecamatan, only the nodes that need a look are listed (a province has hundreds).
            let attention = silent || skewed || node.state.needsAttention || node.quarantined > 0 || refusals[node.id] != nil
            if area.level.rawValue < DashboardArea.Level.kecamatan.rawValue && !attention {
                listedQuietly += 1
                continue
            }
            var state = t(.nodeState(node.state))
            if let forkSeq = node.forkSeq { state = "\(t(.forked)) \(forkSeq)" }
            if node.revokedAt != nil { state = t(.revoked) }
            let rowClass = node.state.needsAttention ? "bad" : (silent ? "warn" : "")
            let kecamatan = Wilayah.shipped.kecamatan[NodeID.kecamatan(of: node.id)].map { "\($0.name), \($0.kabkota)" } ?? "-"
            html += "<tr class=\"\(rowClass)\"><td>\(escape(node.id))</td><td>\(escape(kecamatan))</td><td>\(escape(state))"
            if let refusal = refusals[node.id] {
                html += refusal.fromTheNode ? "; \(escape(refusal.type.rawValue)) x\(refusal.count): \(t(.needsPerson))"
                    : "; \(refusal.count) \(t(.badSignatures))"
            }
            html += "</td><td class=\"n\">\(node.headSeq)</td><td class=\"n \((node.reportedBacklog ?? 0) > 0 ? "warn" : "")\">\(node.reportedBacklog.map(String.init) ?? "-")</td>"
            html += "<td>\(escape(lastSeen.map(zone.format) ?? t(.never)))</td>"
            html += "<td class=\"n \(skewed ? "warn" : "")\">\(node.clockSkewSeconds.map { "\(Int($0)) s" } ?? "-")\(skewed ? " (\(t(.clockWrong)))" : "")</td>"
            html += "<td class=\"n \(node.quarantined > 0 ? "warn" : "")\">\(node.quarantined)</td></tr>\n"
        }
        html += "</table></div>"
        if listedQuietly > 0 { html += "<p class=\"note\">\(listedQuietly) \(t(.nodesFine))</p>" }
        html += "</section>\n"
        let silent = area.kecamatanCodes().filter { !seenKecamatan.contains($0) }
        html += "<section id=\"silent\"><h2>\(t(.silentTitle)) (<span id=\"silent-count\">\(silent.count)</span>)</h2><p class=\"note\">\(t(.silentNote))</p>"
        if !silent.isEmpty {
            html += "<p>" + silent.prefix(silentListed).map { code in
                "<a href=\"\(link(code, t))\">\(escape(Wilayah.shipped.kecamatan[code]?.name ?? code))</a>"
            }.joined(separator: ", ") + (silent.count > silentListed ? ", …" : "") + "</p>"
        }
        return html + "</section>\n"
    }

    /// Days with one decimal, or hours under a day (same-day services would all read 0.0 days).
    static func duration(_ days: Double?, _ t: DashboardLanguage) -> String {
        guard let days else { return "-" }
        return days >= 1 ? String(format: "%.1f \(t(.days))", days) : String(format: "%.1f \(t(.hours))", days * 24)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
