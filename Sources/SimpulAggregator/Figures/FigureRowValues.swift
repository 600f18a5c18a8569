import SimpulCore

/// The indexed columns of a case figure's row that are not fields of the figure itself.
struct FigureRowValues {
    /// The instant (seconds since 1970) a referral awaiting its response becomes overdue: the end of its due local day.
    var responseDueEpoch: Int64?

    init(_ f: CaseFigure) {
        let zone = LocalZone.of(area: f.kecamatan)
        responseDueEpoch = f.responseDueDay.map { Int64(zone.start(ofDay: $0 + 1).timeIntervalSince1970) }
    }
}

extension FigureStorage {
    /// A stored figure's record, or an error naming it (a row no build of Simpul wrote).
    static func figure(_ text: String) throws -> CaseFigure {
        guard let figure = CaseFigure(record: text) else {
            throw StorageCorruption("a case_figures row is not a figure record: \(text.prefix(80))")
        }
        return figure
    }
}

/// A row of the database that no build of Simpul wrote.
struct StorageCorruption: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
