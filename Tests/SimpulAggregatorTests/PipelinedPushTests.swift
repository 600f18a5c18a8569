import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// Two pushes in flight: a batch that arrives before the one it follows is held until that one is stored,
/// then stored itself; every entry once, no gap answer.
@Suite struct PipelinedPushTests {
    @Test func aBatchArrivingBeforeItsPredecessorWaitsForItAndBothAreStored() async throws {
        let log = try NodeLog.recorded(9)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            async let later = client.execute(
                uri: "/v1/nodes/\(log.id)/push", method: .post, headers: Wire.pushHeaders(gzip: false), body: ByteBuffer(data: try log.body(4...9)))
            try await Task.sleep(for: .milliseconds(200))
            let first = try await client.execute(
                uri: "/v1/nodes/\(log.id)/push", method: .post, headers: Wire.pushHeaders(gzip: false), body: ByteBuffer(data: try log.body(1...3)))
            let second = try await later
            #expect(first.status == .ok, "\(String(buffer: first.body))")
            #expect(second.status == .ok, "\(String(buffer: second.body))")
            let receipt = try JSONDecoder().decode(Receipt.self, from: Data(buffer: second.body))
            #expect(receipt.seq == 9 && receipt.stored == 6)
            #expect(try await h.storedEntries(log.id).map(\.seq) == Array(1...9))
            #expect(try h.entryCount() == 9)
        }
    }

    @Test func aBatchWhosePredecessorNeverComesIsAGapWithTheHead() async throws {
        let log = try NodeLog.recorded(6)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            _ = try await client.pushOK(log, 1...2)
            let response = try await client.execute(
                uri: "/v1/nodes/\(log.id)/push", method: .post, headers: Wire.pushHeaders(gzip: false), body: ByteBuffer(data: try log.body(5...6)))
            #expect(response.status == .conflict)
            let problem = try JSONDecoder().decode(Problem.self, from: Data(buffer: response.body))
            #expect(problem.type == "gap")
            #expect(problem.head?.seq == 2)
            #expect(try h.entryCount() == 2)
        }
    }
}
