import Synchronization

/// Time-ordered identifiers (RFC 9562 version 7): 48 bits of Unix milliseconds, then 74 bits that are random
/// or, within one millisecond, count up. Ids sort by creation order, which keeps index inserts on the right
/// edge of SQLite's B-trees (node and aggregator) and listings in order.
public enum UUIDv7 {
    /// The last id made in this process: a bulk import makes thousands per millisecond (with one `now`), and
    /// each must still sort after the one before (RFC 9562 section 6.2, method 2 with a random increment).
    private static let last = Mutex(Bits(millis: 0, high: 0, low: 0))

    /// Millisecond time, then 12 + 62 bits below it.
    struct Bits: Equatable {
        var millis: UInt64
        var high: UInt16
        var low: UInt64

        static let lowLimit: UInt64 = 1 << 62
        static let highLimit: UInt16 = 1 << 12
    }

    /// The next id at `millis` or, if ids were already made at or after it, just after the last one made.
    public static func make(millis: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        let bits = last.withLock { last -> Bits in
            var next: Bits
            let ms = UInt64(max(0, millis))
            if ms > last.millis {
                next = Bits(millis: ms, high: UInt16.random(in: 0..<Bits.highLimit, using: &generator) & 0x7ff,
                            low: UInt64.random(in: 0..<Bits.lowLimit, using: &generator))
            } else {
                // Same (or an earlier) millisecond: step forward by a random amount, carrying into the time.
                next = last
                next.low += UInt64.random(in: 1...(1 << 32), using: &generator)
                if next.low >= Bits.lowLimit {
                    next.low -= Bits.lowLimit
                    next.high += 1
                    if next.high == Bits.highLimit {
                        next.high = 0
                        next.millis += 1
                    }
                }
            }
            last = next
            return next
        }
        return format(bits)
    }

    /// A random id at `millis` from a given generator (reproducible test data); not ordered within a millisecond.
    public static func make<R: RandomNumberGenerator>(millis: Int64, using generator: inout R) -> String {
        format(Bits(millis: UInt64(max(0, millis)), high: UInt16.random(in: 0..<Bits.highLimit, using: &generator),
                    low: UInt64.random(in: 0..<Bits.lowLimit, using: &generator)))
    }

    static func format(_ bits: Bits) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: bits.millis >> (40 - 8 * UInt64(i))) }
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: bits.high >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: bits.high)
        bytes[8] = 0x80 | UInt8(truncatingIfNeeded: bits.low >> 56)
        for i in 9..<16 { bytes[i] = UInt8(truncatingIfNeeded: bits.low >> (8 * UInt64(15 - i))) }
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var out = 0
            for (i, byte) in bytes.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 {
                    buffer[out] = UInt8(ascii: "-")
                    out += 1
                }
                buffer[out] = digits.utf8Start[Int(byte >> 4)]
                buffer[out + 1] = digits.utf8Start[Int(byte & 0x0f)]
                out += 2
            }
            return out
        }
    }
}
