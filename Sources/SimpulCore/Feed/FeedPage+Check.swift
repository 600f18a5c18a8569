import Foundation

/// A feed page whose every item was checked (docs/protocol.md, "Applying a page"): what a node may apply.
public struct CheckedFeedPage: Sendable {
    /// Another node's entry from the page, decoded.
    public struct Entry: Sendable {
        public var item: FeedItem
        public var content: LogEntry.Content
        /// The entry's verbatim bytes, as the node stores them.
        public var bytes: Data
    }

    /// Other nodes' entries, in page order (the receiving node's own are left out).
    public var entries: [Entry]
    /// The page's last rules document, if it carries one: the rules in force once the page is applied.
    public var rules: RulesDocument?
}

extension FeedPage {
    /// Why a page was refused: one bad item and nothing of the page is applied.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// What was wrong, for the node to say what to do about it.
        public enum Reason: Sendable, Equatable {
            /// An item's cursor lies outside `after...next`.
            case outsidePage
            /// A rules document whose `version` is not the digest of its content, or whose catalogue does not parse.
            case badRules
            /// An item that is neither rules nor a log entry of the node and seq it names.
            case badItem
        }

        public var reason: Reason
        /// What the node reports, naming the item.
        public var message: String
        public var description: String { message }
    }

    /// Checks every item before anything is applied: each cursor lies above `after` and at most `next`; a rules
    /// document's `version` is the digest of its content and its catalogue parses; an entry decodes strictly as a log
    /// entry whose own `node` and `seq` are the item's. Entries of `node` (the receiver) are checked, then left out.
    /// Whether the page names `node`, the `after` asked for and a `next` not below it is the caller's check.
    public func checked(forNode node: String) throws(Refusal) -> CheckedFeedPage {
        var checked = CheckedFeedPage(entries: [], rules: nil)
        for item in items {
            guard item.cursor > after, item.cursor <= next else {
                throw Refusal(reason: .outsidePage, message: "feed item \(item.cursor) lies outside the page \(after)-\(next); nothing was applied")
            }
            if let doc = item.rules {
                guard doc.version == doc.computedVersion else {
                    throw Refusal(reason: .badRules, message: "the province's rules in feed item \(item.cursor) say version \(doc.version) but their content is \(doc.computedVersion); nothing was applied")
                }
                do { _ = try doc.eventRules() } catch {
                    throw Refusal(reason: .badRules, message: "the province's rules \(doc.version) (feed item \(item.cursor)) are invalid: \(error); nothing was applied")
                }
                checked.rules = doc
                continue
            }
            guard item.type == FeedItem.entryType, let origin = item.node, let seq = item.seq, let text = item.entry else {
                throw Refusal(reason: .badItem, message: "feed item \(item.cursor) is neither rules nor an entry; nothing was applied")
            }
            let bytes = Data(text.utf8)
            let content: LogEntry.Content
            do { content = try LogEntry(seq: seq, bytes: bytes).decode() } catch {
                throw Refusal(reason: .badItem, message: "feed item \(item.cursor) (node \(origin) seq \(seq)) is not a valid log entry: \(error); nothing was applied")
            }
            guard content.node == origin, content.seq == seq else {
                throw Refusal(reason: .badItem, message: "feed item \(item.cursor) says node \(origin) seq \(seq), but its entry is node \(content.node) seq \(content.seq); nothing was applied")
            }
            if origin == node { continue }
            checked.entries.append(CheckedFeedPage.Entry(item: item, content: content, bytes: bytes))
        }
        return checked
    }
}
