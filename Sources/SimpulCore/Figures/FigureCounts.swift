/// Sums of case figures for one kecamatan, service and month (the month the cases were received, local time):
/// what the dashboard reads instead of the entries. Kept up to date by adding each case's new figure and
/// subtracting its old one, so every field is a count or a sum of whole minutes (exact under subtraction).
public struct FigureCounts: Sendable, Equatable, Codable {
    /// Cases received (opened).
    public var received: Int64 = 0
    public var referred: Int64 = 0
    public var responded: Int64 = 0
    /// Completed at the office, or handed over to the citizen after the provider's answer: the service delivered.
    public var completed: Int64 = 0
    public var rejected: Int64 = 0
    /// Cancelled: closed without a service outcome.
    public var otherClosed: Int64 = 0
    /// Still open (waiting on the office or a provider).
    public var open: Int64 = 0
    public var referralMinutes: Int64 = 0
    public var referralCount: Int64 = 0
    public var responseMinutes: Int64 = 0
    public var responseCount: Int64 = 0
    public var closeMinutes: Int64 = 0
    public var closeCount: Int64 = 0
    /// Closed cases measured against the target, and those within it.
    public var targetMeasured: Int64 = 0
    public var withinTarget: Int64 = 0
    /// Cases with an impossible order of events or times.
    public var flagged: Int64 = 0

    public init() {}

    /// The column names, in `values` order (the summary tables' columns on both backends).
    public static let columns = [
        "received", "referred", "responded", "completed", "rejected", "other_closed", "open",
        "referral_minutes", "referral_count", "response_minutes", "response_count", "close_minutes", "close_count",
        "target_measured", "within_target", "flagged",
    ]

    public var values: [Int64] {
        [received, referred, responded, completed, rejected, otherClosed, open,
         referralMinutes, referralCount, responseMinutes, responseCount, closeMinutes, closeCount,
         targetMeasured, withinTarget, flagged]
    }

    public init(values v: [Int64]) {
        precondition(v.count == Self.columns.count)
        received = v[0]; referred = v[1]; responded = v[2]; completed = v[3]; rejected = v[4]; otherClosed = v[5]; open = v[6]
        referralMinutes = v[7]; referralCount = v[8]; responseMinutes = v[9]; responseCount = v[10]
        closeMinutes = v[11]; closeCount = v[12]; targetMeasured = v[13]; withinTarget = v[14]; flagged = v[15]
    }

    /// One case's contribution.
    public init(_ f: CaseFigure) {
        received = f.received ? 1 : 0
        referred = f.provider != nil ? 1 : 0
        responded = f.responded ? 1 : 0
        completed = f.state == "completed" || f.state == "handed_over" ? 1 : 0
        rejected = f.state == "rejected" ? 1 : 0
        otherClosed = f.state == "cancelled" ? 1 : 0
        open = f.isOpen ? 1 : 0
        if let m = f.minutesToReferral { referralMinutes = m; referralCount = 1 }
        if let m = f.minutesToResponse { responseMinutes = m; responseCount = 1 }
        if let m = f.minutesToClose { closeMinutes = m; closeCount = 1 }
        if let within = f.closedWithinTarget { targetMeasured = 1; withinTarget = within ? 1 : 0 }
        flagged = f.anomalies > 0 || f.timeAnomaly ? 1 : 0
    }

    public static func + (a: Self, b: Self) -> Self { Self(values: zip(a.values, b.values).map { $0 + $1 }) }
    public static func - (a: Self, b: Self) -> Self { Self(values: zip(a.values, b.values).map { $0 - $1 }) }
    public static func += (a: inout Self, b: Self) { a = a + b }

    public var isZero: Bool { values.allSatisfy { $0 == 0 } }

    /// Mean days of a step, or nil with nothing measured.
    public static func meanDays(minutes: Int64, count: Int64) -> Double? {
        count > 0 ? Double(minutes) / Double(count) / 1440 : nil
    }

    /// Percent of measured closed cases within target, or nil.
    public var percentWithinTarget: Double? {
        targetMeasured > 0 ? Double(withinTarget) * 100 / Double(targetMeasured) : nil
    }
}
