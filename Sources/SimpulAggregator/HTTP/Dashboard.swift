import Foundation
import SimpulCore

/// The dashboard at `/`: which kecamatan are current, clock skew, forks, quarantined entries, and demand vs supply
/// per service (quarantined entries left out).
enum Dashboard {
    static func render(storage: any AggregatorStorage, refusals: [String: AggregatorMetrics.Refusal], now: Date) async throws -> String {
        let nodes = try await storage.listNodes()
        let figures = try await storage.serviceFigures()
        let catalogue = ServiceCatalogue.shipped
        var html = """
            <!doctype html><html lang="id"><head><meta charset="utf-8"><title>Simpul: provincial aggregator</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
            .warn{background:#fde2b3}.bad{background:#f8c0c0}</style></head><body>
            <h1>Simpul: provincial aggregator</h1><p>As of \(RFC3339.format(now))</p>
            <h2>Nodes (\(nodes.count))</h2><table><tr><th>node</th><th>kecamatan</th><th>state</th><th>head seq</th><th>last seen</th><th>clock skew</th><th>quarantined</th><th>refused</th></tr>

            """
        for node in nodes {
            let kecamatan = Wilayah.shipped.kecamatan[NodeID.kecamatan(of: node.id)]
            let lastSeen = node.lastSeenAt.flatMap { RFC3339.parse($0)?.date }
            let stale = lastSeen.map { now.timeIntervalSince($0) > 2 * 86_400 } ?? true
            let skewed = abs(node.clockSkewSeconds ?? 0) > 300
            let rowClass = node.state.needsAttention ? "bad" : (stale ? "warn" : "")
            html += "<tr class=\"\(rowClass)\"><td>\(escape(node.id))</td><td>\(escape(kecamatan.map { "\($0.name), \($0.kabkota)" } ?? "-"))</td>"
            html += "<td>\(node.state.rawValue)\(node.forkSeq.map { " at seq \($0)" } ?? "")</td><td>\(node.headSeq)</td>"
            html += "<td>\(escape(node.lastSeenAt ?? "never"))</td>"
            html += "<td class=\"\(skewed ? "warn" : "")\">\(node.clockSkewSeconds.map { "\(Int($0)) s" } ?? "-")\(skewed ? " (clock wrong)" : "")</td>"
            html += "<td class=\"\(node.quarantined > 0 ? "warn" : "")\">\(node.quarantined)\(node.quarantined > 0 ? " (simpul-aggregator quarantine list)" : "")</td>"
            if let refusal = refusals[node.id], refusal.fromTheNode {
                html += "<td class=\"bad\">\(refusal.type.rawValue) x\(refusal.count), last \(RFC3339.format(refusal.lastAt)): needs a person</td></tr>\n"
            } else if let refusal = refusals[node.id] {
                html += "<td class=\"warn\">\(refusal.count) request(s) in its name with a bad signature, last \(RFC3339.format(refusal.lastAt)): "
                    + "a wrong key enrolled, or not the node (unsigned, so not shown as the node's fault)</td></tr>\n"
            } else {
                html += "<td>-</td></tr>\n"
            }
        }
        html += "</table><h2>Services</h2><table><tr><th>service</th><th>name</th><th>received</th><th>referred</th><th>completed</th><th>rejected</th><th>median time to complete</th><th>target days</th></tr>\n"
        for f in figures {
            let service = catalogue.services[f.service]
            let median = f.medianDaysToComplete.map(durationText) ?? "-"
            let late = (f.medianDaysToComplete ?? 0) > Double(service?.targetDays ?? Int.max)
            html += "<tr><td>\(escape(f.service))</td><td>\(escape(service?.name ?? ""))</td><td>\(f.received)</td><td>\(f.referred)</td>"
            html += "<td>\(f.completed)</td><td>\(f.rejected)</td><td class=\"\(late ? "warn" : "")\">\(median)</td><td>\(service.map { String($0.targetDays) } ?? "-")</td></tr>\n"
        }
        html += "</table></body></html>\n"
        return html
    }

    /// Days with one decimal, or hours under a day (same-day services would all read 0.0 days).
    static func durationText(_ days: Double) -> String {
        days >= 1 ? String(format: "%.1f days", days) : String(format: "%.1f h", days * 24)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
