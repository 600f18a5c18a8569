import Foundation
import HummingbirdTesting
import SimpulAggregator
import SimpulCore
import Testing

/// Many offices pushing at once, one of them carrying an event another office already sent: every other push is
/// stored once and answered, the one refused stores nothing, and the stored logs verify. On both backends.
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
            for log in all.dropLast() {
                #expect(answers[log.id]?.0 == 200, "\(log.id): \(answers[log.id]?.1 ?? "no answer")")
                #expect(try await h.storedEntries(log.id).map(\.bytes) == log.slice(1...4).map(\.bytes))
            }
            #expect(answers["35.07.25"]?.0 == 409 && answers["35.07.25"]?.1.contains("duplicate-event") == true,
                    "\(answers["35.07.25"].map { "\($0)" } ?? "no answer")")
            let refusedEntries = try await h.storedEntries("35.07.25"), refusedHead = try await h.head("35.07.25")
            #expect(refusedEntries.isEmpty && refusedHead?.seq == 0, "nothing of the refused push is stored")
            #expect(try await StoredLogVerifier(storage: h.storage).verifyAll().allSatisfy(\.ok))
        }
    }
}
