import Foundation

/// Time-ordered identifiers (RFC 9562 version 7): 48 bits of Unix milliseconds, then random bits.
/// Ids sort by creation time, which keeps SQLite's index appends cheap and listings in order.
public enum UUIDv7 {
    public static func make(millis: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(millis: millis, using: &generator)
    }

    public static func make<R: RandomNumberGenerator>(millis: Int64, using generator: inout R) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let ms = UInt64(max(0, millis))
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: ms >> (40 - 8 * UInt64(i))) }
        let random = generator.next()
        let random2 = generator.next()
        for i in 6..<16 { bytes[i] = UInt8(truncatingIfNeeded: (i < 14 ? random : random2) >> (8 * UInt64(i % 8))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0f)
        bytes[8] = 0x80 | (bytes[8] & 0x3f)
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
