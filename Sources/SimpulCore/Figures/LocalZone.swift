import Foundation

/// Indonesia's three time zones and which province keeps which: a kecamatan's days are its own local days.
///
/// Provinces by Kemendagri code: WITA for Bali, Nusa Tenggara, South/East/North Kalimantan and Sulawesi; WIT for
/// Maluku and Papua; WIB for Sumatra, Java, West and Central Kalimantan (and any code not listed).
public enum LocalZone: String, Sendable, Codable, CaseIterable {
    case wib = "WIB", wita = "WITA", wit = "WIT"

    /// Offset from UTC in seconds.
    public var offsetSeconds: Int {
        switch self {
        case .wib: 7 * 3600
        case .wita: 8 * 3600
        case .wit: 9 * 3600
        }
    }

    static let witaProvinces: Set<String> = ["51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"]
    static let witProvinces: Set<String> = ["81", "82", "91", "92", "93", "94", "95", "96", "97"]

    /// The zone of an area code (province, kabupaten/kota, kecamatan or desa: its first two digits name the province).
    public static func of(area code: String) -> LocalZone {
        let province = String(code.prefix(2))
        if witaProvinces.contains(province) { return .wita }
        if witProvinces.contains(province) { return .wit }
        return .wib
    }

    /// The local calendar day of an instant, as days since 1970-01-01 in this zone.
    public func dayNumber(of date: Date) -> Int {
        Int(((date.timeIntervalSince1970 + Double(offsetSeconds)) / 86_400).rounded(.down))
    }

    /// `YYYY-MM-DD` of a day number.
    public static func dayText(_ day: Int) -> String {
        let (y, m, d) = RFC3339.civilFromDays(day)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    /// `YYYY-MM` of a day number.
    public static func monthText(_ day: Int) -> String {
        let (y, m, _) = RFC3339.civilFromDays(day)
        return String(format: "%04d-%02d", y, m)
    }

    /// The instant a local day starts.
    public func start(ofDay day: Int) -> Date {
        Date(timeIntervalSince1970: Double(day) * 86_400 - Double(offsetSeconds))
    }

    /// A local date and time (`2026-12-01 14:05 WIB`) for a person to read.
    public func format(_ date: Date) -> String {
        let seconds = Int((date.timeIntervalSince1970 + Double(offsetSeconds)).rounded(.down))
        let day = Int((Double(seconds) / 86_400).rounded(.down))
        let inDay = seconds - day * 86_400
        return "\(Self.dayText(day)) \(String(format: "%02d:%02d", inDay / 3600, inDay % 3600 / 60)) \(rawValue)"
    }
}
