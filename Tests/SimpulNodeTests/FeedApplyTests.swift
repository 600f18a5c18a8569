import Foundation
import SimpulCore
import SimpulNode
import Testing

/// Applying the province's feed on the node: a page pulled twice is applied once, bad pages change nothing, new rules
/// take effect for the next record, and a provider's own stamps stay above what it received.
@Suite struct FeedApplyTests {
    static let provider = "DISDUKCAPIL.35.07"

    /// An office's referral entry, as the feed carries it, stamped `hlc`.
    static func referral(seq: Int64, hlc: Int64, caseID: String = "K1") throws -> (bytes: Data, hash: Data) {
        let event = try EventBuilder(rules: EventRules(), pseudonymizer: nil).build(object: [
            "kind": .string("request.referred"), "case": .string(caseID), "service": .string("ADM.KTPEL"),
            "provider": .string(provider), "occurred_at": .string("2026-03-01T10:00:00+07:00"),
        ], now: Date())
        let bytes = LogEntry.encode(seq: seq, node: "35.07.01", hlc: HLCTimestamp(packed: hlc), eventJSON: try event.canonicalJSON())
        return (bytes, ChainHash.next(previous: ChainHash.genesis, entry: bytes))
    }

    @Test func aPagePulledTwiceIsAppliedOnceAndRepliesAreStampedAfterWhatTheyAnswer() throws {
        let node = try TestNode.make(nodeID: Self.provider)
        defer { node.remove() }
        let store = try node.store()
        // A received stamp far ahead of this PC's clock (the office's clock runs fast).
        let ahead = HLCTimestamp(millis: Int64(Date().timeIntervalSince1970 * 1000) + 86_400_000, logical: 7).packed
        let entry = try Self.referral(seq: 1, hlc: ahead)
        let page = FeedPage(node: Self.provider, after: 0, next: 2, more: false, items: [
            FeedItem(cursor: 1, rules: RulesDocument.shipped), FeedItem(cursor: 2, node: "35.07.01", seq: 1, entry: entry.bytes, hash: entry.hash),
        ])
        let first = try store.applyFeedPage(page, node: Self.provider, at: Date())
        #expect(first.applied && first.entries == 1 && first.rules?.version == RulesDocument.shipped.version)
        let second = try store.applyFeedPage(page, node: Self.provider, at: Date())
        #expect(!second.applied && second.entries == 0, "the cursor had moved: nothing is applied twice")
        #expect(try store.feedState().cursor == 2)

        // The provider answers: filled from the referral, stamped after it.
        let appended = try node.recorder().record(objects: [["kind": .string("provider.responded"), "case": .string("K1"), "outcome": .string("completed")]])
        let own = try #require(try store.entries(after: 0, maxCount: 1, maxBytes: 1 << 20).first).entry.decode()
        #expect(appended.count == 1 && own.hlc > ahead, "the reply must be ordered after the referral it answers")
        #expect(own.event.service == "ADM.KTPEL" && own.event.provider == Self.provider && own.event.caseNode == "35.07.01")
        #expect(own.rules == RulesDocument.shipped.version)
        #expect(throws: NodeError.self) {
            try node.recorder().record(objects: [["kind": .string("provider.acknowledged"), "case": .string("K-NEVER-REFERRED")]])
        }
    }

    @Test func aPageWithAnEntryThatIsNotWhatItClaimsChangesNothing() throws {
        let node = try TestNode.make(nodeID: Self.provider)
        defer { node.remove() }
        let store = try node.store()
        let entry = try Self.referral(seq: 1, hlc: 1 << 40)
        let lying = FeedPage(node: Self.provider, after: 0, next: 2, more: false, items: [
            FeedItem(cursor: 1, node: "35.07.01", seq: 1, entry: entry.bytes, hash: entry.hash),
            FeedItem(cursor: 2, node: "35.07.02", seq: 1, entry: entry.bytes, hash: entry.hash),
        ])
        #expect(throws: NodeError.self) { try store.applyFeedPage(lying, node: Self.provider, at: Date()) }
        #expect(try store.feedState().cursor == 0)
        var broken = RulesDocument.shipped
        broken.catalogueCSV = "not,a,catalogue"
        let badRules = FeedPage(node: Self.provider, after: 0, next: 1, more: false, items: [FeedItem(cursor: 1, rules: broken)])
        #expect(throws: NodeError.self) { try store.applyFeedPage(badRules, node: Self.provider, at: Date()) }
        #expect(try store.feedState().rules == nil, "the node keeps checking against the rules it had")
    }

    @Test func newRulesFromTheFeedTakeEffectForTheNextRecord() throws {
        let node = try TestNode.make()
        defer { node.remove() }
        let store = try node.store()
        let object: [String: JSONValue] = ["kind": .string("request.received"), "service": .string("ADM.UJI_BARU"), "desa": .string("35.07.01.2001")]
        #expect(throws: NodeError.self) { try node.recorder().record(objects: [object]) }
        let rules = RulesDocument(catalogueCSV: "code,name,category,target_days\nADM.UJI_BARU,Layanan uji,adminduk,3\n", allowUnknownWilayah: false)
        _ = try store.applyFeedPage(FeedPage(node: "35.07.01", after: 0, next: 1, more: false, items: [FeedItem(cursor: 1, rules: rules)]),
                                    node: "35.07.01", at: Date())
        let recorder = try node.recorder()
        #expect(try recorder.record(objects: [object]).count == 1)
        let entry = try #require(try store.entries(after: 0, maxCount: 1, maxBytes: 1 << 20).first).entry.decode()
        #expect(entry.rules == rules.version)
    }
}
