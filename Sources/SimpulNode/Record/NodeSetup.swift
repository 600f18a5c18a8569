import Foundation
import SimpulCore

/// `simpul init`: writes the config, creates the database and the node's keys. Refuses to overwrite a node.
public enum NodeSetup {
    /// What `init` made.
    public struct Result: Sendable, Codable {
        public var nodeID: String
        public var publicKey: String
        public var configPath: String
        public var dataDir: String
        public var warnings: [String]
        /// `office` or `provider`.
        public var role: String
        /// Set up by `init --recover`: recording waits for the first sync to pull the log back.
        public var rebuild: Bool

        enum CodingKeys: String, CodingKey {
            case warnings, role, rebuild
            case nodeID = "node_id"
            case publicKey = "public_key"
            case configPath = "config"
            case dataDir = "data_dir"
        }
    }

    /// `aggregatorKey`, when given (from provincial IT), is pinned at once: the node then never trusts a first answer
    /// signed by another key.
    public static func initialize(config: NodeConfig, configPath: String, pseudonymKeySource: String?, rebuild: Bool = false,
                                  aggregatorKey: String? = nil) throws(NodeError) -> Result {
        do { try config.validate(source: "init") } catch {
            throw NodeError(.usage, "cannot initialise: \(error)")
        }
        var pinned: String?
        if let aggregatorKey {
            do { pinned = try PublicKey(base64: aggregatorKey).base64 } catch {
                throw NodeError(.usage, "cannot initialise: --aggregator-key \(error.reason)", hint: "copy the key provincial IT gives out (simpul-aggregator init prints it)")
            }
        }
        let fm = FileManager.default
        for existing in [configPath, config.databasePath, config.privateKeyPath] where fm.fileExists(atPath: existing) {
            throw NodeError(.alreadyInitialized, "a node is already set up here: \(existing) exists; nothing was changed",
                            hint: "a node's keys and log must never be replaced by accident. To start over, move \(config.dataDir) and \(configPath) away first")
        }
        var warnings = [String]()
        if let warning = config.plainHTTPWarning { warnings.append(warning) }
        if aggregatorKey == nil {
            warnings.append("no --aggregator-key given: the first aggregator answer's key will be trusted and pinned. Ask provincial IT for the key to pin it now.")
        }
        var pseudonymText: String
        if let source = pseudonymKeySource {
            _ = try NodeKeys.loadPseudonymizer(path: source)
            pseudonymText = String(decoding: fm.contents(atPath: source) ?? Data(), as: UTF8.self)
            if Data(base64Encoded: pseudonymText.trimmingCharacters(in: .whitespacesAndNewlines)) == nil {
                pseudonymText = (fm.contents(atPath: source) ?? Data()).base64EncodedString()
            }
        } else {
            let bytes = Pseudonymizer.generateKeyBytes()
            pseudonymText = bytes.base64EncodedString()
            warnings.append("no --pseudonym-key given: created a key for this node only, so pseudonyms will not link across kecamatan. Ask provincial IT for the province's key before recording real cases.")
        }
        do {
            try fm.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let configDir = (configPath as NSString).deletingLastPathComponent
            if !configDir.isEmpty { try fm.createDirectory(atPath: configDir, withIntermediateDirectories: true) }
        } catch {
            throw NodeError(.storage, "cannot create \(config.dataDir) or the config's directory: \(error.localizedDescription)",
                            hint: "run as a user that may write there (root for /etc/simpul and /var/lib/simpul)")
        }
        let key = SigningKey()
        try SecretFile.write(key.base64 + "\n", to: config.privateKeyPath)
        try SecretFile.write(key.publicKey.base64 + "\n", to: config.publicKeyPath)
        if pseudonymKeySource != nil || config.pseudonymKeyFile.isEmpty {
            if !fm.fileExists(atPath: config.resolvedPseudonymKeyFile) {
                try SecretFile.write(pseudonymText.trimmingCharacters(in: .whitespacesAndNewlines) + "\n", to: config.resolvedPseudonymKeyFile)
            }
        }
        let store = try NodeStore(path: config.databasePath, create: true)
        try store.setNodeID(config.nodeID)
        if rebuild { try store.setRebuildPending(true) }
        if let pinned { try store.pinAggregatorKey(pinned) }
        try LocalAPIToken.rotate(config)
        do {
            try Data(config.rendered().utf8).write(to: URL(fileURLWithPath: configPath), options: .atomic)
        } catch {
            throw NodeError(.storage, "cannot write the config \(configPath): \(error.localizedDescription)")
        }
        return Result(nodeID: config.nodeID, publicKey: key.publicKey.base64, configPath: configPath,
                      dataDir: config.dataDir, warnings: warnings, role: NodeID.isProviderCode(config.nodeID) ? "provider" : "office",
                      rebuild: rebuild)
    }
}
