import Foundation
import SimpulCore

/// What comes back from the province: the node's feed (rules and other nodes' events on its cases), and the
/// province's copy of its own log (a rebuilt node, or one restored from an old backup). Every answer is checked
/// against the pinned aggregator key before anything is applied.
extension SyncEngine {
    /// Pages read per sync at most: a feed longer than this continues at the next sync.
    static let maxFeedPages = 2_000

    /// Reads the feed from the stored cursor to its end, applying each page and moving the cursor in one transaction.
    func pullFeed() async throws(NodeError) -> (entries: Int, cursor: Int64, bytes: Int) {
        var total = 0
        var bytes = 0
        var cursor = try store.feedState().cursor
        for _ in 0..<Self.maxFeedPages {
            let (page, received): (FeedPage, Int) = try await fetchSigned("feed", after: cursor)
            bytes += received
            guard page.node == config.nodeID, page.after == cursor, page.next >= page.after else {
                throw NodeError(.serverError, Message(.feedPageMismatch, ["node": config.nodeID, "cursor": cursor]), hint: Message(.syncAgainReport))
            }
            let applied = try store.applyFeedPage(page, node: config.nodeID, at: now())
            total += applied.entries
            if let rules = applied.rules {
                logger.info("rules received from the province", metadata: ["rules.version": "\(rules.version)"])
            }
            cursor = applied.applied ? page.next : try store.feedState().cursor
            if !page.more || page.items.isEmpty { break }
        }
        if total > 0 { logger.info("feed applied", metadata: ["feed.entries": "\(total)", "feed.cursor": "\(cursor)"]) }
        return (total, cursor, bytes)
    }

    /// The province's copy of this node's own entries after `seq`, through its head, checked page by page.
    func fetchOwnLog(after seq: Int64, through head: Int64) async throws(NodeError) -> [ProvinceEntry] {
        var out = [ProvinceEntry]()
        var after = seq
        while after < head {
            let page: LogPage = try await fetchSigned("log", after: after).value
            guard page.node == config.nodeID, page.after == after else {
                throw NodeError(.serverError, Message(.logPageMismatch, ["node": config.nodeID, "seq": after]))
            }
            var expected = after + 1
            for entry in page.entries where entry.seq <= head {
                guard entry.seq == expected, let hash = Hex.decode(entry.hash), hash.count == 32 else {
                    throw NodeError(.serverError, Message(.logPageGarbled, ["seq": expected]))
                }
                out.append(ProvinceEntry(seq: entry.seq, bytes: Data(entry.entry.utf8), hash: hash))
                expected += 1
            }
            guard expected - 1 > after else {
                throw NodeError(.serverError, Message(.logPageEmpty, ["head": head, "after": after]))
            }
            after = expected - 1
        }
        return out
    }

    /// When the province holds more of this log than the node (a rebuilt node, or one restored from an old backup
    /// with nothing new recorded since), pulls the rest back, checks every hash against the local chain and appends it.
    func adoptFromProvince(remoteHead: Int64) async throws(NodeError) -> Int {
        let local = try store.head()
        guard remoteHead > local.seq else { return 0 }
        let entries = try await fetchOwnLog(after: local.seq, through: remoteHead)
        let adopted: Int
        do { adopted = try store.adoptProvinceEntries(entries, node: config.nodeID) } catch where error.code == .fork {
            throw NodeError(.fork, Message(.forkAdopt, ["remote": remoteHead, "node": config.nodeID, "local": local.seq]),
                            hint: Message(.forkAdoptHint))
        }
        logger.notice("pulled this node's own entries back from the province", metadata: [
            "sync.adopted_from": "\(local.seq + 1)", "sync.adopted_through": "\(remoteHead)",
        ])
        return adopted
    }

    /// A GET on `/v1/nodes/{node}/{route}?after=N`, signed by the node, its answer by the pinned aggregator key; with
    /// the bytes the answer took on the wire.
    func fetchSigned<T: Decodable>(_ route: String, after: Int64) async throws(NodeError) -> (value: T, bytes: Int) {
        let response = try await sendSigned { clock, counter in
            let message = WireSignature.request("simpul-\(route)-request", node: config.nodeID, after: after, clock: clock, counter: counter)
            return TransportRequest(method: "GET", url: nodePath + "/\(route)?after=\(after)",
                                    headers: signedReadHeaders(clock: clock, counter: counter, signature: signingKey.sign(message)))
        }
        let value: T = try decode(response, what: Message(.whatReadRoute, ["route": route, "after": after]))
        guard let pinned = try store.pinnedAggregatorKey(), let key = try? PublicKey(base64: pinned),
              let signature = response.signature,
              key.isValid(signature: signature, for: WireSignature.answer("simpul-\(route)", node: config.nodeID, after: after, body: response.body))
        else {
            throw NodeError(.refused, Message(.pageUnsigned, ["route": route, "after": after]), hint: Message(.checkProvincialHTTPS, ["url": config.aggregatorURL]))
        }
        return (value, response.bytesReceived)
    }
}
