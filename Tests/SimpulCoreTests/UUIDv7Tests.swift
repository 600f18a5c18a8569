import Foundation
import Testing
@testable import SimpulCore

/// Event ids are made thousands per millisecond during a bulk import; they must still sort in creation order
/// (index inserts on the B-tree's right edge) and stay well-formed version 7 UUIDs.
struct UUIDv7Tests {
    static var nowMillis: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    @Test func idsMadeInOneMillisecondSortInCreationOrder() {
        let millis = Self.nowMillis
        let ids = (0..<20_000).map { _ in UUIDv7.make(millis: millis) }
        #expect(Set(ids).count == ids.count)
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        for id in ids.prefix(100) + ids.suffix(100) {
            #expect(EventRules.isUUIDShaped(id))
            #expect(Array(id)[14] == "7")
            #expect("89ab".contains(Array(id)[19]))
        }
    }

    @Test func aClockThatStepsBackDoesNotBreakTheOrder() {
        let first = UUIDv7.make(millis: Self.nowMillis + 2)
        let second = UUIDv7.make(millis: Self.nowMillis - 60_000)
        #expect(first < second)
    }

    @Test func theCarryFromTheRandomBitsReachesTheTime() {
        let top = UUIDv7.Bits(millis: 5, high: UUIDv7.Bits.highLimit - 1, low: UUIDv7.Bits.lowLimit - 1)
        #expect(UUIDv7.format(top) == "00000000-0005-7fff-bfff-ffffffffffff")
        #expect(UUIDv7.format(UUIDv7.Bits(millis: 6, high: 0, low: 0)) == "00000000-0006-7000-8000-000000000000")
    }
}
