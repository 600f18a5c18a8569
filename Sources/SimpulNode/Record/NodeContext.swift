import Foundation
import SimpulCore

/// An opened node: its configuration and store, checked to belong together.
public struct NodeContext: Sendable {
    public let config: NodeConfig
    public let store: NodeStore

    public static func open(config: NodeConfig) throws(NodeError) -> NodeContext {
        let store = try NodeStore(path: config.databasePath)
        if let stored = try store.nodeID(), stored != config.nodeID {
            throw NodeError(.config, "the database \(config.databasePath) belongs to node \(stored), but the config says node_id = \(config.nodeID)",
                            hint: "a node's id never changes: fix node_id in the config, or point data_dir at this node's own data")
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
                throw NodeError(.config, "cannot read catalogue_file \(config.catalogueFile)",
                                hint: "fix catalogue_file in the config, or empty it to use the built-in catalogue")
            }
            csv = String(decoding: data, as: UTF8.self)
            do { catalogue = try ServiceCatalogue(csv: csv, source: config.catalogueFile) } catch {
                throw NodeError(.config, "catalogue_file \(config.catalogueFile) is invalid: \(error.reason)")
            }
        }
        return (EventRules(catalogue: catalogue, allowUnknownWilayah: config.allowUnknownWilayah),
                RulesDocument(catalogueCSV: csv, allowUnknownWilayah: config.allowUnknownWilayah).version)
    }
}
