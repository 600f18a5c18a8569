import Foundation
import SimpulCore
import Testing

@Suite("RFC 3339")
struct RFC3339Tests {
    @Test("a timestamp with an offset parses to the right instant and offset")
    func parsesOffset() throws {
        let wib = try #require(RFC3339.parse("2026-11-30T08:15:00+07:00"))
        let utc = try #require(RFC3339.parse("2026-11-30T01:15:00Z"))
        #expect(wib.date == utc.date)
        #expect(wib.offsetSeconds == 7 * 3600)
        #expect(utc.offsetSeconds == 0)
        #expect(wib.date.timeIntervalSince1970 == 1_796_001_300)
        let west = try #require(RFC3339.parse("2026-11-29T21:45:00-03:30"))
        #expect(west.date == utc.date)
        #expect(west.offsetSeconds == -(3 * 3600 + 30 * 60))
    }

    @Test("format writes UTC with milliseconds")
    func formats() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_796_001_300.123)) == "2026-11-30T01:15:00.123Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
    }

    /// Whether a whole-millisecond instant survives format -> parse -> format; nil when it does.
    static func roundTripProblem(millis: Int64) -> String? {
        let text = RFC3339.format(Date(timeIntervalSince1970: Double(millis) / 1000))
        guard let parsed = RFC3339.parse(text) else { return "\(millis): \(text) does not parse" }
        let back = Int64((parsed.date.timeIntervalSince1970 * 1000).rounded())
        let again = RFC3339.format(parsed.date)
        return back == millis && again == text ? nil : "\(millis) formats as \(text), parses to \(back), formats again as \(again)"
    }

    @Test("a whole millisecond survives format and parse", arguments: [
        Int64(946_684_800_000), 1_796_001_300_123, 1_078_650_656_824, 2_187_935_318_845, 1_095_946_710_274, 4_102_444_799_999,
    ])
    func roundTripsMillisecond(millis: Int64) {
        let problem = Self.roundTripProblem(millis: millis)
        #expect(problem == nil)
    }

    @Test("random whole milliseconds between 2000 and 2100 survive format and parse")
    func roundTripsRandomMilliseconds() {
        var generator = SystemRandomNumberGenerator()
        let problems = (0..<5000).compactMap { _ in
            Self.roundTripProblem(millis: Int64.random(in: 946_684_800_000...4_102_444_800_000, using: &generator))
        }
        #expect(problems.count == 0, "\(problems.count) of 5000 fail, e.g. \(problems.prefix(2))")
    }

    @Test("parse then format gives the same instant for every millisecond of a second", arguments: ["+07:00", "Z", "-05:00"])
    func roundTripsFromText(offset: String) throws {
        for ms in 0..<1000 {
            let fraction = String(ms + 1000).dropFirst()
            let text = "2026-11-30T08:15:00.\(fraction)\(offset)"
            let parsed = try #require(RFC3339.parse(text), "\(text)")
            #expect(RFC3339.format(parsed.date).hasSuffix(".\(fraction)Z"), "\(text) formats as \(RFC3339.format(parsed.date))")
        }
    }

    @Test("a timestamp without an offset, or otherwise malformed, is refused", arguments: [
        "2026-11-30T08:15:00",  // no offset
        "2026-11-30T08:15:00.123",  // no offset
        "2026-11-30",  // a date only
        "2026-11-30T08:15:00+0700",  // offset without a colon
        "2026-11-30T08:15:00+07",
        "2026-11-30T08:15:00 +07:00",
        "2026-11-30 08:15:00+07:00",
        "2026-02-29T08:15:00+07:00",  // not a leap year
        "2026-11-31T08:15:00+07:00",
        "2026-11-30T24:00:00+07:00",
        "2026-11-30T08:60:00+07:00",
        "2026-11-30T08:15:00.+07:00",  // an empty fraction
        "2026-11-30T08:15:00Z ",
        "",
    ])
    func refusesMalformed(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }
}
