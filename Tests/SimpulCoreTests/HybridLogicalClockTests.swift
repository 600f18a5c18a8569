import SimpulCore
import Testing

@Suite("Hybrid logical clock")
struct HybridLogicalClockTests {
    static let day: Int64 = 86_400_000
    static let t0: Int64 = 1_788_000_000_000

    @Test("stamps follow the wall clock while it moves forward")
    func followsWallClock() {
        var clock = HybridLogicalClock()
        #expect(clock.tick(wallMillis: Self.t0) == HLCTimestamp(millis: Self.t0, logical: 0))
        #expect(clock.tick(wallMillis: Self.t0 + 5) == HLCTimestamp(millis: Self.t0 + 5, logical: 0))
        #expect(clock.tick(wallMillis: Self.t0 + 5) == HLCTimestamp(millis: Self.t0 + 5, logical: 1))
    }

    @Test("stamps keep increasing when the wall clock jumps back a day")
    func monotonicWhenClockJumpsBack() {
        var clock = HybridLogicalClock()
        var stamps = (0..<10).map { clock.tick(wallMillis: Self.t0 + $0) }
        stamps += (0..<10).map { clock.tick(wallMillis: Self.t0 - Self.day + $0) }
        stamps += (0..<10).map { _ in clock.tick(wallMillis: Self.t0 + 9) }  // back to where it was
        for (a, b) in zip(stamps, stamps.dropFirst()) {
            #expect(a < b, "\(a) then \(b)")
            #expect(a.packed < b.packed, "packed \(a.packed) then \(b.packed)")
        }
        // Once the wall clock passes the last stamp it is followed again.
        #expect(clock.tick(wallMillis: Self.t0 + 100) == HLCTimestamp(millis: Self.t0 + 100, logical: 0))
    }

    @Test("a clock rebuilt from the last stamp (a restart) stays monotonic under a clock a day behind")
    func monotonicAcrossRestart() {
        var before = HybridLogicalClock()
        var last = HLCTimestamp.zero
        for i in 0..<5 { last = before.tick(wallMillis: Self.t0 + Int64(i)) }
        var after = HybridLogicalClock(last: HLCTimestamp(packed: last.packed))
        let next = after.tick(wallMillis: Self.t0 - Self.day)
        #expect(next > last)
        #expect(next.packed > last.packed)
    }

    @Test("a full logical counter carries into the next millisecond")
    func logicalOverflow() {
        var clock = HybridLogicalClock(last: HLCTimestamp(millis: Self.t0, logical: .max))
        let next = clock.tick(wallMillis: Self.t0 - Self.day)
        #expect(next == HLCTimestamp(millis: Self.t0 + 1, logical: 0))
    }

    @Test("the packed form round-trips and orders like the stamp")
    func packedRoundTrip() {
        let a = HLCTimestamp(millis: Self.t0, logical: 65_535)
        let b = HLCTimestamp(millis: Self.t0 + 1, logical: 0)
        #expect(HLCTimestamp(packed: a.packed) == a)
        #expect(HLCTimestamp(packed: b.packed) == b)
        #expect(a < b)
        #expect(a.packed < b.packed)
    }
}
