import Foundation
import SimpulCore

/// Generates realistic service events for one kecamatan: cases received at the counter or by outreach over the
/// weeks before a day, each taking the time its kind of service takes: letters (PATEN non-perizinan) mostly the same
/// day, some a day or more late; referrals to Disdukcapil, Dinsos, the puskesmas or DPMPTSP answered after days or
/// weeks (a quarter past the service's target, some never), then handed over; some rejected at the counter. Steps
/// that would fall after the day have not happened yet, so recent cases are still open. Times are the kecamatan's
/// local time (WIB, WITA or WIT). Deterministic for a seed, so benchmark runs compare like with like.
struct EventGenerator {
    let kecamatan: String
    let desa: [String]
    var rng: SeededGenerator
    /// Cases are received over this many days up to and including the given day.
    var spreadDays = 42

    init(kecamatan: String, seed: UInt64) throws {
        let codes = Wilayah.shipped.desa.filter { $0.value.kecamatan == kecamatan }.map(\.key).sorted()
        guard !codes.isEmpty else { throw GeneratorError(message: "no desa known for kecamatan \(kecamatan)") }
        self.init(kecamatan: kecamatan, desa: codes, seed: seed)
    }

    struct GeneratorError: Error, CustomStringConvertible { var message: String; var description: String { message } }

    /// Services by weight, with the provider they are referred to and their target in days (config/services.csv).
    static let services: [(code: String, provider: String?, weight: Int, target: Int)] = [
        ("ADM.KTPEL", "DISDUKCAPIL", 20, 14), ("ADM.KK", "DISDUKCAPIL", 14, 7), ("ADM.AKTA_LAHIR", "DISDUKCAPIL", 10, 7),
        ("ADM.KIA", "DISDUKCAPIL", 4, 7), ("ADM.PINDAH", "DISDUKCAPIL", 3, 3), ("PATEN.NP.SKTM", nil, 12, 1),
        ("PATEN.NP.DOMISILI", nil, 8, 1), ("PATEN.NP.SKU", nil, 6, 1), ("PATEN.NP.PENGANTAR_NIKAH", nil, 3, 1),
        ("PATEN.P.IUMK", nil, 3, 3), ("PATEN.P.IMB", "DPMPTSP", 1, 14), ("SOS.DTKS", "DINSOS", 6, 30), ("SOS.PBI_JK", "DINSOS", 4, 14),
        ("SPM.KES.BUMIL", "PUSKESMAS", 3, 7), ("SPM.KES.LANSIA", "PUSKESMAS", 3, 14),
    ]

    /// About `count` events (whole cases) of cases received over the `spreadDays` days up to `day` (YYYY-MM-DD), in
    /// the order an office records them (each case's steps after its opening).
    mutating func day(_ day: String, count: Int) -> [[String: JSONValue]] {
        let zone = LocalZone.of(area: kecamatan)
        let offset = zone.offsetSeconds / 3600
        let lastDay = Int((RFC3339.parse(day + "T00:00:00Z")?.date.timeIntervalSince1970 ?? 1_764_460_800) / 86_400)
        let end = Double(lastDay + 1) * 86_400 - Double(zone.offsetSeconds)  // the end of the day, local time
        var events = [[String: JSONValue]]()
        let totalWeight = Self.services.reduce(0) { $0 + $1.weight }
        func stamp(_ t: Double) -> JSONValue {
            let local = Int(t) + zone.offsetSeconds
            let d = local / 86_400, s = local % 86_400
            return .string("\(LocalZone.dayText(d))T\(pad(s / 3600)):\(pad(s % 3600 / 60)):\(pad(s % 60))+\(pad(offset)):00")
        }
        while events.count < count {
            var pick = Int(rng.next() % UInt64(totalWeight))
            var service = Self.services[0]
            for s in Self.services {
                if pick < s.weight { service = s; break }
                pick -= s.weight
            }
            // Received on one of the days, in office hours (08:00-15:00 local).
            let openedDay = lastDay - Int(rng.next() % UInt64(max(1, spreadDays)))
            let opened = Double(openedDay) * 86_400 - Double(zone.offsetSeconds) + Double(8 * 3600) + Double(rng.next() % (7 * 3600))
            let caseID = UUIDv7.make(millis: Int64(opened * 1000), using: &rng)
            let desaCode = desa[Int(rng.next() % UInt64(desa.count))]
            let officer = "op\(1 + rng.next() % 4)"
            var received: [String: JSONValue] = [
                "kind": .string("request.received"), "case": .string(caseID), "service": .string(service.code),
                "desa": .string(desaCode), "channel": .string(rng.next() % 10 < 8 ? "counter" : "outreach"),
                "officer": .string(officer), "occurred_at": stamp(opened),
            ]
            if rng.next() % 10 < 7 { received["nik"] = .string(nik()) }
            events.append(received)
            func step(_ kind: String, at t: Double, _ extra: [String: JSONValue] = [:]) -> Bool {
                guard t <= end else { return false }  // not happened yet
                var event: [String: JSONValue] = ["kind": .string(kind), "case": .string(caseID), "service": .string(service.code),
                                                  "occurred_at": stamp(t)]
                if !kind.hasPrefix("provider.") { event["officer"] = .string(officer) }
                for (key, value) in extra { event[key] = value }
                events.append(event)
                return true
            }
            let roll = rng.next() % 100
            if roll < 7 {
                _ = step("request.rejected", at: opened + minutes(5...30), ["reason": .string("missing_document")])
                continue
            }
            let target = Double(service.target) * 86_400
            if let provider = service.provider {
                let to = JSONValue.string("\(provider).\(kecamatan.prefix(5))")
                let referred = opened + minutes(5...60)
                guard step("request.referred", at: referred, ["provider": to]) else { continue }
                guard roll >= 12 else { continue }  // never answered: open, overdue once past the target
                // Answered after 30 % to 130 % of the target: about a quarter late.
                let responded = referred + target * (0.3 + Double(rng.next() % 1000) / 1000)
                guard step("provider.responded", at: responded, ["provider": to, "attrs": .object(["outcome": .string("completed")])]) else { continue }
                _ = step("request.handed_over", at: responded + minutes(60...(2 * 1440)))
            } else {
                // Letters: most the same day; one in eight takes one to three days more.
                var done = opened + minutes(15...240)
                if roll % 8 == 0 { done += Double(1 + rng.next() % 3) * 86_400 }
                _ = step("request.completed", at: min(done, opened + target * 4 + 1), ["attrs": .object(["pages": .integer(Int64(1 + rng.next() % 3))])])
            }
        }
        return events
    }

    /// A random number of seconds within `range` minutes.
    mutating func minutes(_ range: ClosedRange<Int>) -> Double {
        Double(range.lowerBound * 60 + Int(rng.next() % UInt64((range.upperBound - range.lowerBound) * 60 + 1)))
    }

    /// A NIK of valid form: a Jawa Timur kecamatan, a birth date (women +40), a non-zero serial.
    mutating func nik() -> String {
        let female = rng.next() % 2 == 0
        let day = 1 + Int(rng.next() % 28) + (female ? 40 : 0)
        let month = 1 + Int(rng.next() % 12)
        let year = Int(rng.next() % 100)
        let serial = 1 + Int(rng.next() % 9000)
        return "350701" + pad(day) + pad(month) + pad(year) + String(format: "%04d", serial)
    }

    func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

/// SplitMix64: small, fast and deterministic.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func ndjson(_ events: [[String: JSONValue]]) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var out = Data()
    for event in events {
        out.append((try? encoder.encode(event)) ?? Data())
        out.append(0x0a)
    }
    return out
}
