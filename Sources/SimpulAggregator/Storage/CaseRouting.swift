import SimpulCore

/// Who receives each stored entry through the feed, the same on every backend: every node taking part in the entry's
/// case other than its writer. A referral adds its provider to the case (a new route) and sends the provider the case
/// so far; a provider's event reaches the office and the case's other providers; a provider writing about a case
/// never referred to it is stored (it is the node's signed word) but sent to nobody.
struct CaseRouting {
    /// A node's feed row to add: `node` receives entry (`originNode`, `originSeq`).
    struct FeedRow: Equatable {
        var node: String
        var originNode: String
        var originSeq: Int64
    }

    /// A provider newly added to an office's case.
    struct NewRoute: Equatable {
        var office: String
        var caseID: String
        var provider: String
    }

    private(set) var feedRows = [FeedRow]()
    private(set) var newRoutes = [NewRoute]()

    /// The key of a case in `known`: office + U+0001 + case id.
    static func key(office: String, caseID: String) -> String { office + "\u{1}" + caseID }

    /// Routes `entries` (in seq order, those in `held` skipped) given the providers each case already has (`known`,
    /// keyed by `key`). `earlier(office, caseID, node, seq)` lists the stored entries of a case other than the referral
    /// (node, seq) itself, oldest first, which a new provider receives.
    init(_ entries: [StoredEntry], skipping held: Set<Int64>, known initial: [String: [String]],
         earlier: (String, String, String, Int64) throws -> [(node: String, seq: Int64)]) rethrows {
        var known = initial
        for e in entries where !held.contains(e.seq) {
            let office = e.caseNode ?? e.node
            let key = Self.key(office: office, caseID: e.caseID)
            var providers = known[key] ?? []
            defer { known[key] = providers }
            if office != e.node && !providers.contains(e.node) { continue }
            if office == e.node, e.kind == EventKind.requestReferred.rawValue, let provider = e.provider, provider != e.node,
               !providers.contains(provider) {
                newRoutes.append(NewRoute(office: office, caseID: e.caseID, provider: provider))
                providers.append(provider)
                // The new provider gets the case so far, so its fold starts where the office's does.
                for row in try earlier(office, e.caseID, e.node, e.seq) where row.node != provider {
                    feedRows.append(FeedRow(node: provider, originNode: row.node, originSeq: row.seq))
                }
            }
            for participant in providers where participant != e.node {
                feedRows.append(FeedRow(node: participant, originNode: e.node, originSeq: e.seq))
            }
            if office != e.node { feedRows.append(FeedRow(node: office, originNode: e.node, originSeq: e.seq)) }
        }
    }
}
