import Foundation
import HummingbirdTesting
import SimpulAggregator
import SimpulCore
import Testing

/// Many offices pushing at once, two of them carrying the same event: every other push is stored once and answered,
/// of those two the one that commits first is stored and the other refused whole, and the stored logs verify. On both
/// backends.
@Suite struct ConcurrentPushTests {
    @Test func manyNodesPushingAtOnceAreEachStoredOnceAndADuplicateAmongThemIsRefusedAlone() async throws {
        var logs = try (1...24).map { try NodeLog.recorded(4, id: String(format: "35.07.%02d", $0)) }
        // The last office's third event is the first office's first, recorded again: its push must be refused whole.
        var repeating = NodeLog(id: "35.07.25")
        try repeating.record(2)
        repeating.append(eventJSON: try logs[0].entries[0].decode().event.canonicalJSON())
        try repeating.record(1)
        logs.append(repeating)
        let all = logs
        let h = try await AggregatorHarness.make(enrolling: all)
        try await h.test { client in
            let answers = try await withThrowingTaskGroup(of: (String, UInt, String).self) { group in
                for log in all {
                    group.addTask {
                        let response = try await client.push(node: log.id, body: try log.body(1...4))
                        return (log.id, UInt(response.status.code), String(buffer: response.body))
                    }
                }
                return try await group.reduce(into: [String: (UInt, String)]()) { $0[$1.0] = ($1.1, $1.2) }
            }
            // The first office and the last hold one event between them: whichever push commits first is stored,
            // the other is refused whole (which one wins is the race's to decide).
            let pair = ["35.07.01", "35.07.25"]
            for log in all where !pair.contains(log.id) {
                #expect(answers[log.id]?.0 == 200, "\(log.id): \(answers[log.id]?.1 ?? "no answer")")
                #expect(try await h.storedEntries(log.id).map(\.bytes) == log.slice(1...4).map(\.bytes))
            }
            let refused = pair.filter { answers[$0]?.0 == 409 }
            #expect(refused.count == 1, "exactly one of \(pair) refused: \(pair.map { "\($0) \(answers[$0].map { "\($0)" } ?? "none")" })")
            for id in pair {
                let log = all.first { $0.id == id }!
                if refused.contains(id) {
                    #expect(answers[id]?.1.contains("duplicate-event") == true, "\(answers[id].map { "\($0)" } ?? "no answer")")
                    let entries = try await h.storedEntries(id), head = try await h.head(id)
                    #expect(entries.isEmpty && head?.seq == 0, "nothing of the refused push of \(id) is stored")
                } else {
                    #expect(answers[id]?.0 == 200, "\(id): \(answers[id]?.1 ?? "no answer")")
                    #expect(try await h.storedEntries(id).map(\.bytes) == log.slice(1...4).map(\.bytes))
                }
            }
            #expect(try await StoredLogVerifier(storage: h.storage).verifyAll().allSatisfy(\.ok))
        }
    }
}
