import Foundation
import SimpulCore

/// `simpul init`: writes the config, creates the database and the node's keys. Refuses to overwrite a node.
public enum NodeSetup {
    /// What `init` made.
    public struct Result: Sendable, Encodable {
        public var nodeID: String
        public var publicKey: String
        public var configPath: String
        public var dataDir: String
        public var warnings: [String] { warningMessages.map(\.english) }
        /// The warnings as catalogue messages, for a person to read in their language (`warnings` is their English).
        public var warningMessages: [Message]
        /// `office` or `provider`.
        public var role: String
        /// Set up by `init --recover`: recording waits for the first sync to pull the log back.
        public var rebuild: Bool

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(nodeID, forKey: .nodeID)
            try c.encode(publicKey, forKey: .publicKey)
            try c.encode(configPath, forKey: .configPath)
            try c.encode(dataDir, forKey: .dataDir)
            try c.encode(warnings, forKey: .warnings)
            try c.encode(role, forKey: .role)
            try c.encode(rebuild, forKey: .rebuild)
        }

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
            throw NodeError(.usage, Message(.initFailed, ["error": "\(error)"]))
        }
        var pinned: String?
        if let aggregatorKey {
            do { pinned = try PublicKey(base64: aggregatorKey).base64 } catch {
                throw NodeError(.usage, Message(.initBadAggregatorKey, ["reason": error.reason]), hint: Message(.initBadAggregatorKeyHint))
            }
        }
        let fm = FileManager.default
        for existing in [configPath, config.databasePath, config.privateKeyPath] where fm.fileExists(atPath: existing) {
            throw NodeError(.alreadyInitialized, Message(.alreadyInitialized, ["path": existing]),
                            hint: Message(.alreadyInitializedHint, ["dataDir": config.dataDir, "configPath": configPath]))
        }
        var warnings = [Message]()
        if let warning = config.plainHTTPWarningMessage { warnings.append(warning) }
        if aggregatorKey == nil {
            warnings.append(Message(.warnNoAggregatorKey))
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
            warnings.append(Message(.warnLocalPseudonymKey))
        }
        do {
            try fm.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let configDir = (configPath as NSString).deletingLastPathComponent
            if !configDir.isEmpty { try fm.createDirectory(atPath: configDir, withIntermediateDirectories: true) }
        } catch {
            throw NodeError(.storage, Message(.initCreateFailed, ["dataDir": config.dataDir, "error": error.localizedDescription]),
                            hint: Message(.initCreateFailedHint))
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
            throw NodeError(.storage, Message(.configWriteFailed, ["path": configPath, "error": error.localizedDescription]))
        }
        return Result(nodeID: config.nodeID, publicKey: key.publicKey.base64, configPath: configPath,
                      dataDir: config.dataDir, warningMessages: warnings, role: NodeID.isProviderCode(config.nodeID) ? "provider" : "office",
                      rebuild: rebuild)
    }
}
