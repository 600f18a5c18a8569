// The `feed` target: what a node does with the bytes of an aggregator's answer. A feed page is decoded as
// `SyncEngine.fetchSigned` does (JSONDecoder, before the signature is checked) and its items checked as
// `NodeStore.applyFeedPage` does (`FeedPage.checked`); the other answers a node reads are decoded too (its own log's
// pages as `fetchOwnLog` reads them, the head answer with its receipt, problem bodies).
import Foundation

func fuzzFeed(_ bytes: Data) {
    let decoder = JSONDecoder()
    if let page = try? decoder.decode(FeedPage.self, from: bytes) {
        check(page)
    } else if let page = try? decoder.decode(LogPage.self, from: bytes) {
        for entry in page.entries {
            _ = Hex.decode(entry.hash)
            _ = try? LogEntry(seq: entry.seq, bytes: Data(entry.entry.utf8)).decode()
        }
    } else if let head = try? decoder.decode(HeadResponse.self, from: bytes) {
        _ = head.receipt.signedMessage
        _ = head.receipt.quarantineMessage
    } else if let problem = try? decoder.decode(Problem.self, from: bytes) {
        _ = ProblemType(rawValue: problem.type)
    }
}

private func check(_ page: FeedPage) {
    // pullFeed checks the page as a whole (its node, after, next) before applying it; the items are checked anyway.
    _ = page.next >= page.after
    let checked: CheckedFeedPage
    do { checked = try page.checked(forNode: page.node) } catch {
        _ = error.message
        return
    }
    for entry in checked.entries {
        expect(entry.item.cursor > page.after && entry.item.cursor <= page.next, "an entry's cursor lies in the page")
        expect(entry.content.node == entry.item.node && entry.content.seq == entry.item.seq, "an entry is the item's node and seq")
        expect(entry.content.node != page.node, "the receiver's own entries are left out")
        _ = entry.content.event.caseNode ?? entry.content.node
    }
    if let rules = checked.rules {
        expect(rules.version == rules.computedVersion, "applied rules carry their own digest")
        // The node stores the rules as JSON text and reads them back from it.
        let text = try? JSONEncoder().encode(rules)
        expect(text.flatMap { try? JSONDecoder().decode(RulesDocument.self, from: $0) } == rules, "rules survive being stored")
    }
}
