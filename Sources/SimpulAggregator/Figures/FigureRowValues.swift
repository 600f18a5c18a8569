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
