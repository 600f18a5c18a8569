import Foundation
import SimpulCore

/// What an export takes: an area code (a province, kabupaten/kota, kecamatan or desa; empty for all) and a range
/// of dates, inclusive. Events are dated by their own `occurred_at` (the date the office wrote, in its time), cases
/// by the local day they were received.
public struct ExportFilter: Sendable, Equatable {
    public var area: String
    public var from: String?
    public var to: String?

    /// Checks the shapes; the error says which and how.
    public init(area: String = "", from: String? = nil, to: String? = nil) throws(AggregatorError) {
        guard DashboardArea(code: area) != nil else {
            throw AggregatorError(Message(.aggAreaInvalid, ["area": area]), hint: Message(.aggAreaInvalidHint), exitCode: 2)
        }
        for (name, value) in [("from", from), ("to", to)] {
            if let value, Self.dayNumber(value) == nil {
                throw AggregatorError(Message(.aggDateInvalid, ["name": name, "value": value]), hint: Message(.aggDateInvalidHint), exitCode: 2)
            }
        }
        if let from, let to, from > to {
            throw AggregatorError(Message(.aggRangeInverted, ["from": from, "to": to]), hint: Message(.aggRangeInvertedHint), exitCode: 2)
        }
        self.area = area
        self.from = from
        self.to = to
    }

    /// Days since 1970 of a `YYYY-MM-DD` date, or nil.
    static func dayNumber(_ text: String) -> Int? {
        guard text.utf8.count == 10, let parsed = RFC3339.parse(text + "T00:00:00Z") else { return nil }
        return Int(parsed.date.timeIntervalSince1970 / 86_400)
    }

    /// The text bounds of `occurred_at`: at or after `from`, before the day after `to` (RFC 3339 text sorts by date).
    var occurredBounds: (lower: String, upper: String) {
        (from ?? "", to.flatMap(Self.dayNumber).map { LocalZone.dayText($0 + 1) } ?? "~")
    }

    /// The area's bounds on an event's desa or, where it has none, its case node.
    var areaRange: AreaRange { AreaRange(area) }

    func includes(openedDay day: Int) -> Bool {
        if let from, let first = Self.dayNumber(from), day < first { return false }
        if let to, let last = Self.dayNumber(to), day > last { return false }
        return true
    }
}

/// The formats an export writes: CSV with a header row, or JSON Lines (one object per line).
public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, json
}
