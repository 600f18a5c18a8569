import Foundation
import SimpulAggregator
import SimpulCore
import Testing

/// On PostgreSQL a push's feed rows are written with it into `feed_pending` and get their cursors afterwards, in a
/// sequencing run of their own: rows a replica committed but never sequenced (it stopped in between) still reach
/// their node, at its next feed read, after every cursor it has already read.
@Suite(.enabled(if: TestDatabase.postgresAdminURL != nil, "runs in the PostgreSQL pass (SIMPUL_TEST_POSTGRES)"))
struct FeedSequencingTests {
    @Test func feedRowsLeftWaitingByAStoppedReplicaReachTheirNodeAtItsNextRead() async throws {
        let office = try FeedTests.office()
        let provider = NodeLog(id: FeedTests.provider)
        let h = try await AggregatorHarness.make(enrolling: [office, provider])
        let key = h.aggregatorKey
        try await h.test { client in
            try await client.pushOK(office, 1...3)
            let first: FeedPage = try await FeedTests.read(client, "feed", node: provider.id, after: 0, signer: provider.key, aggregator: key)
            #expect(first.items.compactMap(\.seq) == [1, 2], "the request and the referral: \(first.items.map(\.type))")
            #expect(try h.database.rows("SELECT count(*) FROM feed_pending") == [["0"]], "the read sequenced what the push left")

            // What a replica leaves behind when it stops between its commit and its sequencing run.
            #expect(try h.execute("""
                INSERT INTO feed_pending(node, origin_node, origin_seq, created_at)
                VALUES ('\(provider.id)', '\(office.id)', 3, '2026-03-01T10:00:00Z')
                """) == 1)
            let next: FeedPage = try await FeedTests.read(client, "feed", node: provider.id, after: first.next, signer: provider.key, aggregator: key)
            #expect(next.items.map { "\($0.node ?? "")/\($0.seq ?? 0)" } == ["\(office.id)/3"])
            #expect(next.items.allSatisfy { $0.cursor > first.next }, "after every cursor already read")
            #expect(next.items.first?.entry == String(decoding: office.entries[2].bytes, as: UTF8.self), "the entry's verbatim bytes")
            #expect(try h.database.rows("SELECT count(*) FROM feed_pending") == [["0"]])

            // A backlog larger than one sequencing run (20,000 rows) moves a run at a time, oldest first; what waits
            // gets cursors above everything already given.
            #expect(try h.execute("""
                INSERT INTO feed_pending(node, origin_node, origin_seq, created_at)
                SELECT '\(provider.id)', '\(office.id)', 3, '2026-03-01T10:00:00Z' FROM generate_series(1, 25000)
                """) == 25000)
            let third: FeedPage = try await FeedTests.read(client, "feed", node: provider.id, after: next.next, signer: provider.key, aggregator: key)
            #expect(!third.items.isEmpty && third.items.allSatisfy { $0.cursor > next.next })
            #expect(try h.database.rows("SELECT count(*) FROM feed_pending") == [["5000"]], "one run of 20,000")
            let fourth: FeedPage = try await FeedTests.read(client, "feed", node: provider.id, after: third.next, signer: provider.key, aggregator: key)
            #expect(fourth.items.allSatisfy { $0.cursor > third.next })
            #expect(try h.database.rows("SELECT count(*) FROM feed_pending") == [["0"]])
            #expect(try h.database.rows("SELECT count(*) FROM feed WHERE node = '\(provider.id)'") == [["25003"]])
        }
    }
}
