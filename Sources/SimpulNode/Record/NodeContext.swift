import Foundation
import SimpulCore

/// An opened node: its configuration and store, checked to belong together.
public struct NodeContext: Sendable {
    public let config: NodeConfig
    public let store: NodeStore

    public static func open(config: NodeConfig) throws(NodeError) -> NodeContext {
        let store = try NodeStore(path: config.databasePath)
        if let stored = try store.nodeID(), stored != config.nodeID {
            throw NodeError(.config, Message(.databaseOtherNode, ["path": config.databasePath, "stored": stored, "node": config.nodeID]),
                            hint: Message(.databaseOtherNodeHint))
        }
        return NodeContext(config: config, store: store)
    }

    /// The rules new events are checked against: the latest the province's feed sent, else the configured catalogue
    /// (or the built-in one) and the wilayah list. `version` is what each entry records.
    public func rules() throws(NodeError) -> (rules: EventRules, version: String) {
        if let received = try store.feedState().rules, let rules = try? received.eventRules() {
            return (rules, received.version)
        }
        let local = try Self.rules(config)
        return (local.rules, local.version)
    }

    static func rules(_ config: NodeConfig) throws(NodeError) -> (rules: EventRules, version: String) {
        var csv = RulesDocument.shipped.catalogueCSV
        var catalogue = ServiceCatalogue.shipped
        if !config.catalogueFile.isEmpty {
            guard let data = FileManager.default.contents(atPath: config.catalogueFile) else {
                throw NodeError(.config, Message(.catalogueUnreadable, ["path": config.catalogueFile]), hint: Message(.catalogueUnreadableHint))
            }
            csv = String(decoding: data, as: UTF8.self)
            do { catalogue = try ServiceCatalogue(csv: csv, source: config.catalogueFile) } catch {
                throw NodeError(.config, Message(.catalogueInvalid, ["path": config.catalogueFile, "reason": error.reason]))
            }
        }
        return (EventRules(catalogue: catalogue, allowUnknownWilayah: config.allowUnknownWilayah),
                RulesDocument(catalogueCSV: csv, allowUnknownWilayah: config.allowUnknownWilayah).version)
    }
}
