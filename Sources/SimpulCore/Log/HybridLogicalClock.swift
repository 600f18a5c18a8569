/// A hybrid-logical-clock stamp: wall-clock milliseconds plus a counter that orders events within one
/// millisecond and carries order forward when the wall clock jumps backwards.
///
/// Stored and sent as one integer, `millis << 16 | logical`, so stamps compare as numbers.
public struct HLCTimestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var millis: Int64
    public var logical: UInt16

    public init(millis: Int64, logical: UInt16) {
        self.millis = millis
        self.logical = logical
    }

    public init(packed: Int64) {
        millis = packed >> 16
        logical = UInt16(truncatingIfNeeded: packed & 0xffff)
    }

    public var packed: Int64 { millis << 16 | Int64(logical) }

    public static let zero = HLCTimestamp(millis: 0, logical: 0)

    public static func < (a: HLCTimestamp, b: HLCTimestamp) -> Bool { (a.millis, a.logical) < (b.millis, b.logical) }

    public var description: String { "\(millis).\(logical)" }
}

/// The clock a node stamps its log with: never goes backwards, whatever the PC's wall clock does.
///
/// Pure: the caller passes the wall time. The node restores `last` from its newest log entry on start, so
/// monotonicity holds across restarts too.
public struct HybridLogicalClock: Sendable {
    public private(set) var last: HLCTimestamp

    public init(last: HLCTimestamp = .zero) {
        self.last = last
    }

    /// The next stamp for a local event at wall time `wallMillis`.
    public mutating func tick(wallMillis: Int64) -> HLCTimestamp {
        if wallMillis > last.millis {
            last = HLCTimestamp(millis: wallMillis, logical: 0)
        } else if last.logical == UInt16.max {
            last = HLCTimestamp(millis: last.millis + 1, logical: 0)
        } else {
            last = HLCTimestamp(millis: last.millis, logical: last.logical + 1)
        }
        return last
    }
}
