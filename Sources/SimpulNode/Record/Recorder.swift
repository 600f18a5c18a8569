import Foundation
import SimpulCore

/// Records events: validates every one first, then appends them all in one transaction.
///
/// Never touches the network. When `record` returns, the events are on disk.
public struct Recorder: Sendable {
    public let context: NodeContext
    let pseudonymizer: Pseudonymizer?

    public init(context: NodeContext) throws(NodeError) {
        self.context = context
        pseudonymizer = try NodeKeys.loadPseudonymizer(path: context.config.resolvedPseudonymKeyFile)
    }

    /// The builder for the rules in force now (the feed may have brought new ones since the daemon started).
    public var builder: EventBuilder {
        get throws(NodeError) { try current().builder }
    }

    /// The builder and the version of the rules it checks against (each entry names it). Refuses while a rebuilt
    /// node waits for its log to come back: a record then would fork the log.
    func current() throws(NodeError) -> (builder: EventBuilder, version: String) {
        if try context.store.rebuildPending() {
            throw NodeError(.rebuildPending, Message(.rebuildPending, ["node": context.config.nodeID]), hint: Message(.rebuildPendingHint))
        }
        let rules = try context.rules()
        var builder = EventBuilder(rules: rules.rules, pseudonymizer: pseudonymizer)
        if NodeID.isProviderCode(context.config.nodeID) {
            builder.complete = ProviderCompletion(store: context.store, provider: context.config.nodeID).complete
        }
        return (builder, rules.version)
    }

    /// Records events given as JSON objects (CLI flags, the local API). All or nothing.
    public func record(objects: [[String: JSONValue]], now: Date = Date()) throws(NodeError) -> [AppendedEntry] {
        let (builder, rulesVersion) = try current()
        var prepared = [PreparedEvent]()
        prepared.reserveCapacity(objects.count)
        for (index, object) in objects.enumerated() {
            let event: Event
            do { event = try builder.build(object: object, now: now) } catch {
                throw Self.refusal(objects.count > 1 ? error.at(line: index + 1) : error)
            }
            prepared.append(try PreparedEvent(event))
        }
        return try context.store.append(prepared, node: context.config.nodeID, rules: rulesVersion)
    }

    /// `record(objects:)` on a dispatch thread, for the daemon: SQLite may wait up to its busy timeout for the
    /// write lock, and that wait must not hold one of Swift's few cooperative threads.
    public func recordOffPool(objects: [[String: JSONValue]]) async -> Result<[AppendedEntry], NodeError> {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(NodeError) in try record(objects: objects) })
            }
        }
    }

    /// Records newline-delimited JSON events (blank lines skipped). One invalid line: nothing is stored,
    /// and the error names the line and the field. `progress(done, total)` is called while validating.
    public func importNDJSON(_ data: Data, now: Date = Date(), progress: ((Int, Int) -> Void)? = nil) throws(NodeError) -> [AppendedEntry] {
        let (builder, rulesVersion) = try current()
        let lines = Lines.split(data)
        var prepared = [PreparedEvent]()
        prepared.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) { continue }
            let event: Event
            do { event = try builder.build(jsonLine: line, now: now) } catch {
                throw Self.refusal(error.at(line: index + 1))
            }
            prepared.append(try PreparedEvent(event))
            if let progress, index % 2000 == 0 { progress(index, lines.count) }
        }
        progress?(lines.count, lines.count)
        guard !prepared.isEmpty else {
            throw NodeError(.invalidEvent, Message(.inputEmpty), hint: Message(.inputEmptyHint))
        }
        return try context.store.append(prepared, node: context.config.nodeID, rules: rulesVersion)
    }

    static func refusal(_ error: ValidationError) -> NodeError {
        NodeError(.invalidEvent, Message(.invalidEvent, parts: ["error": error.text]),
                  hint: Message(error.line != nil ? .invalidEventLineHint : .invalidEventFieldHint))
    }
}
