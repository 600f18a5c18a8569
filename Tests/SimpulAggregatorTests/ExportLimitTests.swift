import Foundation
import HummingbirdTesting
@testable import SimpulAggregator
import SimpulCore
import Testing

/// A full export reads every stored event, and the dashboard may be open to anyone: only a few stream at once; the
/// next gets 503 with Retry-After, and a finished (or dropped) export gives its place back.
@Suite struct ExportLimitTests {
    @Test func onlyAFewExportsStreamAtOnce() async throws {
        let h = try await AggregatorHarness.make()
        try await h.test { client in
            let allowance = h.app.exportsRunning
            #expect(allowance.tryTake(AggregatorApp.maxExportsRunning), "every place taken, as by running exports")
            let busy = try await client.execute(uri: "/export/events", method: .get)
            #expect(busy.status == .serviceUnavailable && busy.headers[.retryAfter] == "1")
            #expect(String(buffer: busy.body).contains("\"type\":\"busy\""))
            allowance.giveBack(AggregatorApp.maxExportsRunning)
            for _ in 0..<3 {
                #expect(try await client.execute(uri: "/export/cases", method: .get).status == .ok)
            }
            #expect(allowance.tryTake(AggregatorApp.maxExportsRunning), "finished exports gave their places back")
            allowance.giveBack(AggregatorApp.maxExportsRunning)
        }
    }

    @Test func aPermitIsGivenBackWhenItGoesAway() {
        let allowance = Allowance(capacity: 1)
        var permit = AllowancePermit(allowance)
        #expect(permit != nil && AllowancePermit(allowance) == nil)
        permit = nil
        #expect(AllowancePermit(allowance) != nil, "dropped, the permit's place is free again")
        _ = permit
    }
}
