import Foundation

/// A bar chart as inline SVG: no script, no external file, readable at any width (it scales with its viewBox).
struct BarChart {
    var title: String
    var bars: [(label: String, value: Int64)]

    func svg() -> String {
        let width = 640, height = 220, left = 40, bottom = 40, top = 16
        let maxValue = max(1, bars.map(\.value).max() ?? 1)
        // At most 60 units a bar: one month alone is a bar, not a wall.
        let slot = bars.isEmpty ? 0 : min(60, Double(width - left - 8) / Double(bars.count))
        var out = """
            <svg class="chart" role="img" viewBox="0 0 \(width) \(height)" xmlns="http://www.w3.org/2000/svg" aria-label="\(Dashboard.escape(title))">\
            <title>\(Dashboard.escape(title))</title>\
            <line x1="\(left)" y1="\(height - bottom)" x2="\(width)" y2="\(height - bottom)" stroke="#888"/>\
            <text x="\(left - 4)" y="\(top + 4)" text-anchor="end" font-size="11">\(maxValue)</text>\
            <text x="\(left - 4)" y="\(height - bottom)" text-anchor="end" font-size="11">0</text>
            """
        let plotHeight = Double(height - bottom - top)
        for (i, bar) in bars.enumerated() {
            let h = plotHeight * Double(bar.value) / Double(maxValue)
            let x = Double(left) + slot * Double(i) + slot * 0.15
            let y = Double(height - bottom) - h
            out += "<rect class=\"bar\" x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(slot * 0.7))\" height=\"\(fmt(h))\" fill=\"#2a7ab0\">"
            out += "<title>\(Dashboard.escape(bar.label)): \(bar.value)</title></rect>"
            if bars.count <= 12 || i % 3 == 0 {
                out += "<text x=\"\(fmt(x + slot * 0.35))\" y=\"\(height - bottom + 14)\" text-anchor=\"middle\" font-size=\"10\">\(Dashboard.escape(bar.label))</text>"
            }
        }
        return out + "</svg>"
    }

    private func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
}
