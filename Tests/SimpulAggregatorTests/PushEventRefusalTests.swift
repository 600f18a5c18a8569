import Foundation
import HummingbirdTesting
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// Promise 4 for what a batch carries: a validly signed batch with an entry that is not well formed (a field no
/// event has, such as a raw `nik`) or an event already stored is refused whole, and nothing of it is stored. (An event
/// that is well formed but breaks the aggregator's rules is stored and quarantined: QuarantineTests.)
@Suite struct PushEventRefusalTests {
    @Test(arguments: ["case-\u{0}-1", String(repeating: "k", count: 600)])
    func anEventWhoseColumnsNoBackendCanStoreIsRefused(caseID: String) async throws {
        var log = try NodeLog.recorded(1)
        let id = UUID().uuidString.lowercased()
        log.append(eventJSON: try Event(id: id, kind: .requestReceived, caseID: caseID, service: "ADM.KTPEL", desa: "35.07.01.2001",
                                        channel: .counter, occurredAt: "2026-03-01T09:00:00+07:00").canonicalJSON())
        let batch = log
        let h = try await AggregatorHarness.make(enrolling: [batch])
        try await h.test { client in
            let problem = try await h.expectRefusal(status: 422, type: "invalid-entry") {
                try await client.push(node: batch.id, body: try batch.body(1...2))
            }
            #expect(problem.seq == 2 && problem.detail.contains("'case'"), "\(problem.detail)")
            #expect(try h.entryCount() == 0, "nothing of a refused batch is stored")
            try await client.pushOK(batch, 1...1)
        }
    }

    @Test func anEventCarryingARawNIKInsideAValidlySignedBatchIsRefused() async throws {
        var log = try NodeLog.recorded(1)
        var json = try NodeLog.validEventJSON()
        json.replaceSubrange(0..<1, with: Data(#"{"nik":"3507014101900001","#.utf8))
        log.append(eventJSON: json)
        let batch = log
        let h = try await AggregatorHarness.make(enrolling: [batch])
        try await h.test { client in
            try await client.pushOK(batch, 1...1)
            let problem = try await h.expectRefusal(status: 422, type: "invalid-entry") {
                try await client.push(node: batch.id, body: try batch.body(2...2))
            }
            #expect(problem.seq == 2)
            #expect(!problem.detail.contains("3507014101900001"), "the NIK must not be echoed back")
            let stored = try h.snapshot().entries.joined()
            #expect(!stored.contains(Hex.encode(Data("3507014101900001".utf8)).uppercased()))
        }
    }

    @Test func anEventAlreadyStoredUnderAnotherSeqIsRefusedAs409DuplicateEvent() async throws {
        var log = try NodeLog.recorded(1)
        let repeated = try log.entries[0].decode().event.canonicalJSON()
        log.append(eventJSON: repeated)
        let batch = log
        let h = try await AggregatorHarness.make(enrolling: [batch])
        try await h.test { client in
            try await client.pushOK(batch, 1...1)
            let problem = try await h.expectRefusal(status: 409, type: "duplicate-event") {
                try await client.push(node: batch.id, body: try batch.body(2...2))
            }
            #expect(problem.detail.contains("seq 1"))
        }
    }

    @Test func oneEventTwiceInOneBatchIsRefusedAndNeitherIsStored() async throws {
        var log = NodeLog()
        let json = try NodeLog.validEventJSON()
        log.append(eventJSON: json)
        log.append(eventJSON: json)
        let batch = log
        let h = try await AggregatorHarness.make(enrolling: [batch])
        try await h.test { client in
            try await h.expectRefusal(status: 409, type: "duplicate-event") {
                try await client.push(node: batch.id, body: try batch.body(1...2))
            }
            #expect(try h.entryCount() == 0)
        }
    }
}
