import Foundation
import SimpulCore

/// The administrator's operations: init, enrolment, revocation. They work while `serve` runs.
public struct AggregatorAdmin: Sendable {
    public let config: AggregatorConfig
    public let storage: any AggregatorStorage

    public init(config: AggregatorConfig) throws(AggregatorError) {
        self.config = config
        storage = try StorageBackend.open(config)
    }

    /// `init`: writes the config, creates the database and the receipt-signing key. Refuses to overwrite.
    public static func initialize(config: AggregatorConfig, configPath: String) throws(AggregatorError) -> String {
        let fm = FileManager.default
        for existing in [configPath, config.databasePath, config.signingKeyPath] where fm.fileExists(atPath: existing) {
            throw AggregatorError("an aggregator is already set up here: \(existing) exists; nothing was changed",
                                  hint: "move \(config.dataDir) and \(configPath) away first to start over", exitCode: 2)
        }
        do {
            try fm.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let dir = (configPath as NSString).deletingLastPathComponent
            if !dir.isEmpty { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            let key = SigningKey()
            try PrivateFile.create(config.signingKeyPath, contents: Data((key.base64 + "\n").utf8))
            _ = try StorageBackend.open(config, create: true)
            try Data(config.rendered().utf8).write(to: URL(fileURLWithPath: configPath), options: .atomic)
            return key.publicKey.base64
        } catch let error as AggregatorError {
            throw error
        } catch {
            throw AggregatorError("cannot initialise in \(config.dataDir): \(error.localizedDescription)",
                                  hint: "run as a user that may write there")
        }
    }

    public static func loadSigningKey(_ config: AggregatorConfig) throws(AggregatorError) -> SigningKey {
        guard let data = FileManager.default.contents(atPath: config.signingKeyPath) else {
            throw AggregatorError("cannot read the aggregator's signing key \(config.signingKeyPath)",
                                  hint: "restore it from the aggregator's backup, or run as its owner")
        }
        do { return try SigningKey(base64: String(decoding: data, as: UTF8.self)) } catch {
            throw AggregatorError("the signing key \(config.signingKeyPath) is damaged", hint: "restore it from the aggregator's backup")
        }
    }

    /// Revokes a node from now on; false when it already was.
    public func revoke(_ nodeID: String, now: Date) async throws -> Bool {
        try await storage.revokeNode(nodeID, at: RFC3339.format(now))
    }

    /// Checks an enrolment: a real kecamatan code (optionally -NN) unless config allows others, and a valid key.
    public func enrolment(nodeID: String, publicKey: String, now: Date) throws(AggregatorError) -> NodeRecord {
        do {
            try NodeID.validate(nodeID, allowUnknown: config.allowUnknownNodeIDs)
        } catch {
            throw AggregatorError("cannot enrol '\(nodeID)': \(error.reason)", exitCode: 2)
        }
        do {
            _ = try PublicKey(base64: publicKey)
        } catch {
            throw AggregatorError("cannot enrol \(nodeID): the public key \(error.reason)",
                                  hint: "copy the key 'simpul init' printed on the node (simpul status shows it too)", exitCode: 2)
        }
        return NodeRecord(id: nodeID, publicKey: publicKey.trimmingCharacters(in: .whitespaces), enrolledAt: RFC3339.format(now))
    }

    /// Bulk enrolment file: `node_id,public_key` per line (a header line and `#` comments allowed). All or none.
    public func enrolments(file text: String, source: String, now: Date) throws(AggregatorError) -> [NodeRecord] {
        var records = [NodeRecord]()
        var seen = Set<String>()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.lowercased().hasPrefix("node_id") { continue }
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2 else {
                throw AggregatorError("\(source) line \(index + 1): expected node_id,public_key; nothing was enrolled", exitCode: 2)
            }
            guard seen.insert(fields[0]).inserted else {
                throw AggregatorError("\(source) line \(index + 1): node \(fields[0]) appears twice; nothing was enrolled", exitCode: 2)
            }
            do {
                records.append(try enrolment(nodeID: fields[0], publicKey: fields[1], now: now))
            } catch {
                throw AggregatorError("\(source) line \(index + 1): \(error.message); nothing was enrolled", exitCode: 2)
            }
        }
        return records
    }
}
