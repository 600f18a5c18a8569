import Foundation
import SimpulCore

/// Generates realistic service events for one kecamatan: cases opened at the counter or by outreach,
/// some referred to a provider, most completed, some rejected, with NIKs for most citizens.
/// Deterministic for a seed, so benchmark runs compare like with like.
struct EventGenerator {
    let kecamatan: String
    let desa: [String]
    var rng: SeededGenerator

    init(kecamatan: String, seed: UInt64) throws {
        let codes = Wilayah.shipped.desa.filter { $0.value.kecamatan == kecamatan }.map(\.key).sorted()
        guard !codes.isEmpty else { throw GeneratorError(message: "no desa known for kecamatan \(kecamatan)") }
        self.kecamatan = kecamatan
        self.desa = codes
        self.rng = SeededGenerator(seed: seed)
    }

    struct GeneratorError: Error, CustomStringConvertible { var message: String; var description: String { message } }

    static let services: [(code: String, provider: String?, weight: Int)] = [
        ("ADM.KTPEL", "DISDUKCAPIL", 20), ("ADM.KK", "DISDUKCAPIL", 14), ("ADM.AKTA_LAHIR", "DISDUKCAPIL", 10),
        ("ADM.KIA", "DISDUKCAPIL", 4), ("ADM.PINDAH", "DISDUKCAPIL", 3), ("PATEN.NP.SKTM", nil, 12),
        ("PATEN.NP.DOMISILI", nil, 8), ("PATEN.NP.SKU", nil, 6), ("PATEN.NP.PENGANTAR_NIKAH", nil, 3),
        ("PATEN.P.IUMK", nil, 3), ("PATEN.P.IMB", "DPMPTSP", 1), ("SOS.DTKS", "DINSOS", 6), ("SOS.PBI_JK", "DINSOS", 4),
        ("SPM.KES.BUMIL", "PUSKESMAS", 3), ("SPM.KES.LANSIA", "PUSKESMAS", 3),
    ]

    /// About `count` events (whole cases), spread over office hours of `day` (YYYY-MM-DD, WIB +07:00).
    mutating func day(_ day: String, count: Int) -> [[String: JSONValue]] {
        var events = [[String: JSONValue]]()
        var minute = 0
        let totalWeight = Self.services.reduce(0) { $0 + $1.weight }
        while events.count < count {
            var pick = Int(rng.next() % UInt64(totalWeight))
            var service = Self.services[0]
            for s in Self.services {
                if pick < s.weight { service = s; break }
                pick -= s.weight
            }
            minute = (minute + 1 + Int(rng.next() % 4)) % 420
            let caseID = UUIDv7.make(millis: 1_764_000_000_000 + Int64(events.count), using: &rng)
            let desaCode = desa[Int(rng.next() % UInt64(desa.count))]
            let officer = "op\(1 + rng.next() % 4)"
            func at(_ offset: Int) -> JSONValue {
                let m = min(minute + offset, 479)
                return .string("\(day)T\(pad(8 + m / 60)):\(pad(m % 60)):\(pad(Int(rng.next() % 60)))+07:00")
            }
            var opened: [String: JSONValue] = [
                "kind": .string("request.received"), "case": .string(caseID), "service": .string(service.code),
                "desa": .string(desaCode), "channel": .string(rng.next() % 10 < 8 ? "counter" : "outreach"),
                "officer": .string(officer), "occurred_at": at(0),
            ]
            if rng.next() % 10 < 7 { opened["nik"] = .string(nik()) }
            events.append(opened)
            let roll = rng.next() % 100
            if roll < 8 {
                events.append(["kind": .string("request.rejected"), "case": .string(caseID), "service": .string(service.code),
                               "reason": .string("missing_document"), "officer": .string(officer), "occurred_at": at(5)])
                continue
            }
            if let provider = service.provider {
                let target = "\(provider).\(kecamatan.prefix(5))"
                events.append(["kind": .string("request.referred"), "case": .string(caseID), "service": .string(service.code),
                               "provider": .string(target), "officer": .string(officer), "occurred_at": at(10)])
                if roll < 70 {
                    events.append(["kind": .string("provider.responded"), "case": .string(caseID), "service": .string(service.code),
                                   "provider": .string(target), "occurred_at": at(40)])
                }
            }
            if roll < 85 {
                events.append(["kind": .string("request.completed"), "case": .string(caseID), "service": .string(service.code),
                               "officer": .string(officer), "occurred_at": at(55),
                               "attrs": .object(["pages": .integer(Int64(1 + rng.next() % 3))])])
            }
        }
        return events
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
