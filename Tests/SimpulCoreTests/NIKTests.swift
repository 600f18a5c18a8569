import Foundation
import SimpulCore
import Testing

@Suite("NIK form checks")
struct NIKTests {
    @Test("a well-formed NIK gives the birth date and sex", arguments: [
        ("3507011502850003", 1985, 2, 15, NIK.Sex.male),
        ("3507014509900001", 1990, 9, 5, .female),  // day 45 = 5 + 40: a woman
        ("3507017112950001", 1995, 12, 31, .female),  // day 71 = 31 + 40
        ("3507012902000001", 2000, 2, 29, .male),  // 29 February of a leap year
        ("3507016902040001", 2004, 2, 29, .female),  // 29 + 40 in a leap year
        ("1101010101260001", 2026, 1, 1, .male),  // two-digit year equal to the reference year: this century
        ("1101010101270001", 1927, 1, 1, .male),  // after the reference year: last century
    ])
    func acceptsRealDates(nik: String, year: Int, month: Int, day: Int, sex: NIK.Sex) throws {
        let parsed = try NIK(nik, referenceYear: 2026)
        #expect(parsed.birthYear == year)
        #expect(parsed.birthMonth == month)
        #expect(parsed.birthDay == day)
        #expect(parsed.sex == sex)
    }

    @Test("a NIK that is not 16 digits, not a real date, or has serial 0000 is refused", arguments: [
        "350701450990000",  // 15 digits
        "35070145099000011",  // 17 digits
        "35070145099000O1",  // a letter O
        "3507-0145-0990-01",  // separators
        "３５０７０１４５０９９００００１",  // full-width digits
        "3507012902010001",  // 29 February 2001: not a leap year
        "3507016902230001",  // 29 + 40 in 2023: not a leap year
        "3507010001900001",  // day 00
        "3507013111950001",  // 31 November
        "3507014011950001",  // day 40: neither a man's day nor a woman's
        "3507017211950001",  // day 72 = 32 + 40
        "3507011500900001",  // month 00
        "3507011513900001",  // month 13
        "3507014509900000",  // serial 0000
        "",
    ])
    func refusesMalformed(nik: String) {
        #expect(throws: ValidationError.self) { try NIK(nik, referenceYear: 2026) }
    }

    @Test("the error for a bad NIK names the field but never echoes the NIK")
    func errorNeverEchoesNIK() throws {
        for nik in ["3507014509900000", "3507013111950001", "350701450990000"] {
            let error = try #require(throws: ValidationError.self) { try NIK(nik, referenceYear: 2026) }
            #expect(error.field == "nik")
            #expect(error.value == "<redacted>")
            #expect(!error.description.contains(nik))
            #expect(!error.reason.contains(nik))
        }
    }

    @Test("age is in whole years and counts the birthday itself")
    func ageOnBirthday() throws {
        let nik = try NIK("3507010103110001", referenceYear: 2026)  // born 1 March 2011
        #expect(nik.age(year: 2026, month: 2, day: 28) == 14)
        #expect(nik.age(year: 2026, month: 3, day: 1) == 15)
        #expect(nik.age(year: 2026, month: 12, day: 31) == 15)
    }

    @Test("age bands cover every age with their edges where stated",
          arguments: [(0, "0-4"), (4, "0-4"), (5, "5-14"), (14, "5-14"), (15, "15-24"), (24, "15-24"),
                      (25, "25-44"), (44, "25-44"), (45, "45-59"), (59, "45-59"), (60, "60+"), (101, "60+")])
    func ageBands(age: Int, band: String) {
        #expect(NIK.ageBand(age) == band)
    }
}
