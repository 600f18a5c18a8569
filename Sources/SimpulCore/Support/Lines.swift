import Foundation

/// Splitting NDJSON at newlines, with memchr: the generic `split` on `Data` walks it byte by byte through
/// index arithmetic and cost more than parsing the lines.
public enum Lines {
    /// The lines of `data` without their `\n` (a final empty line is kept if `data` ends with `\n`).
    public static func split(_ data: Data) -> [Data] {
        split(data, atMost: Int.max) ?? []
    }

    /// The same, or nil as soon as there would be more than `limit` lines: a small gzip of newlines must not
    /// become millions of empty lines in memory.
    public static func split(_ data: Data, atMost limit: Int) -> [Data]? {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Data]? in
            guard let base = raw.baseAddress else { return [Data()] }
            var out = [Data]()
            var start = 0
            while true {
                guard out.count < limit else { return nil }
                let remaining = raw.count - start
                if remaining > 0, let hit = memchr(base + start, 0x0a, remaining) {
                    let end = base.distance(to: UnsafeRawPointer(hit))
                    out.append(Data(bytes: base + start, count: end - start))
                    start = end + 1
                } else {
                    out.append(Data(bytes: base + start, count: remaining))
                    return out
                }
            }
        }
    }
}
