import Foundation

/// The Nomor Induk Kependudukan, checked for form only, and what can be derived from it.
///
/// Layout: `PPKKCC DDMMYY SSSS`: the registering kecamatan, the birth date (day + 40 for women), a serial.
/// Citizens come from anywhere, so the first six digits are not required to be local.
public struct NIK: Sendable {
    /// Sex as encoded in the NIK (the birth day is +40 for women).
    public enum Sex: String, Sendable { case female = "F", male = "M" }

    /// The 16 digits. Never print, log or store this.
    let digits: String
    public let sex: Sex
    public let birthYear: Int
    public let birthMonth: Int
    public let birthDay: Int

    /// Parses a NIK; `referenceYear` (e.g. the year of `occurred_at`) resolves the two-digit birth year.
    public init(_ text: String, referenceYear: Int) throws(ValidationError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw ValidationError(field: "nik", value: text, reason: Message(.vNIKDigits))
        }
        func num(_ at: Int) -> Int { Int(bytes[at] - 48) * 10 + Int(bytes[at + 1] - 48) }
        var day = num(6)
        let month = num(8)
        let yy = num(10)
        let serial = num(12) * 100 + num(14)
        sex = day > 40 ? .female : .male
        if day > 40 { day -= 40 }
        guard (1...12).contains(month) else {
            throw ValidationError(field: "nik", value: text, reason: Message(.vNIKMonth))
        }
        let century = yy <= referenceYear % 100 ? referenceYear / 100 * 100 : referenceYear / 100 * 100 - 100
        let year = century + yy
        guard day >= 1, day <= RFC3339.daysIn(month: month, year: year) else {
            throw ValidationError(
                field: "nik", value: text,
                reason: Message(.vNIKDay, ["month": month, "year": year]))
        }
        guard serial != 0 else {
            throw ValidationError(field: "nik", value: text, reason: Message(.vNIKSerial))
        }
        digits = text
        birthYear = year
        birthMonth = month
        birthDay = day
    }

    /// Age in whole years on the given calendar day.
    public func age(year: Int, month: Int, day: Int) -> Int {
        var age = year - birthYear
        if (month, day) < (birthMonth, birthDay) { age -= 1 }
        return max(0, age)
    }

    /// Coarse age bands, fine enough for service planning and too coarse to re-identify anyone.
    public static func ageBand(_ age: Int) -> String {
        switch age {
        case ..<5: "0-4"
        case ..<15: "5-14"
        case ..<25: "15-24"
        case ..<45: "25-44"
        case ..<60: "45-59"
        default: "60+"
        }
    }
}
