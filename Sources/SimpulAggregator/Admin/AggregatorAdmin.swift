import Foundation
import SimpulCore

/// The administrator's operations: init, enrolment, revocation. They work while `serve` runs.
public struct AggregatorAdmin: Sendable {
    public let config: AggregatorConfig
    public let storage: any AggregatorStorage

    public init(config: AggregatorConfig) async throws(AggregatorError) {
        self.config = config
        // An administrator's command may read or change much at once (verify, cases, quarantine recheck).
        storage = try await StorageBackend.open(config, operationTimeout: .seconds(300))
    }

    /// `init`: writes the config, creates the database (or joins a PostgreSQL database another replica set up) and the
    /// receipt-signing key (or takes `signingKeyFile`, a copy of another replica's). Refuses to overwrite, and refuses
    /// a key other than the one the database already answers with.
    public static func initialize(config: AggregatorConfig, configPath: String, signingKeyFile: String? = nil) async throws(AggregatorError) -> String {
        let fm = FileManager.default
        let ownFiles = config.database.isEmpty ? [configPath, config.databasePath, config.signingKeyPath] : [configPath, config.signingKeyPath]
        for existing in ownFiles where fm.fileExists(atPath: existing) {
            throw AggregatorError(Message(.aggAlreadyInitialized, ["path": existing]),
                                  hint: Message(.aggAlreadyInitializedHint, ["dataDir": config.dataDir, "configPath": configPath]), exitCode: 2)
        }
        let key: SigningKey
        if let signingKeyFile {
            guard let data = fm.contents(atPath: signingKeyFile), let given = try? SigningKey(base64: String(decoding: data, as: UTF8.self)) else {
                throw AggregatorError(Message(.aggSigningKeyFileUnreadable, ["path": signingKeyFile]), hint: Message(.aggSigningKeyFileUnreadableHint),
                                      exitCode: 2)
            }
            key = given
        } else {
            key = SigningKey()
        }
        do {
            try fm.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let dir = (configPath as NSString).deletingLastPathComponent
            if !dir.isEmpty { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        } catch {
            throw AggregatorError(Message(.aggInitFailed, ["path": config.dataDir, "error": error.localizedDescription]), hint: Message(.aggRunAsWriter))
        }
        let storage = try await StorageBackend.open(config, create: true)
        let recorded: String
        do {
            recorded = try await storage.claimSigningKey(key.publicKey.base64, at: RFC3339.format(Date()))
        } catch {
            throw AggregatorError(Message(.aggKeyRecordFailed, ["error": "\(error)"]), hint: Message(.aggKeyRecordFailedHint))
        }
        guard recorded == key.publicKey.base64 else {
            let database = config.database.isEmpty ? config.databasePath : (try? PostgresURL(config.database).redacted) ?? ""
            throw AggregatorError(Message(.aggDatabaseOtherKey, ["database": database, "key": recorded]), hint: Message(.aggDatabaseOtherKeyHint),
                                  exitCode: 2)
        }
        try PrivateFile.create(config.signingKeyPath, contents: Data((key.base64 + "\n").utf8))
        // The config names the database; a URL with a password makes it a secret too.
        let rendered = Data(config.rendered().utf8)
        if (try? PostgresURL(config.database, environment: [:]).password) ?? nil != nil {
            try PrivateFile.create(configPath, contents: rendered)
        } else {
            do { try rendered.write(to: URL(fileURLWithPath: configPath), options: .atomic) } catch {
                throw AggregatorError(Message(.cannotWrite, ["path": configPath, "error": error.localizedDescription]), hint: Message(.aggRunAsWriter))
            }
        }
        return key.publicKey.base64
    }

    /// Checks at `serve` that this replica signs with the key the database records (the first init's).
    public static func checkSigningKey(_ key: SigningKey, storage: any AggregatorStorage) async throws {
        let recorded = try await storage.claimSigningKey(key.publicKey.base64, at: RFC3339.format(Date()))
        guard recorded == key.publicKey.base64 else {
            throw AggregatorError(Message(.aggReplicaKeyMismatch, ["key": recorded]), hint: Message(.aggReplicaKeyMismatchHint))
        }
    }

    public static func loadSigningKey(_ config: AggregatorConfig) throws(AggregatorError) -> SigningKey {
        guard let data = FileManager.default.contents(atPath: config.signingKeyPath) else {
            throw AggregatorError(Message(.aggSigningKeyUnreadable, ["path": config.signingKeyPath]), hint: Message(.aggSigningKeyUnreadableHint))
        }
        do { return try SigningKey(base64: String(decoding: data, as: UTF8.self)) } catch {
            throw AggregatorError(Message(.aggSigningKeyDamaged, ["path": config.signingKeyPath]), hint: Message(.aggRestoreFromBackup))
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
            throw AggregatorError(Message(.aggEnrolBadID, ["node": nodeID, "reason": error.reason]), exitCode: 2)
        }
        do {
            _ = try PublicKey(base64: publicKey)
        } catch {
            throw AggregatorError(Message(.aggEnrolBadKey, ["node": nodeID, "reason": error.reason]), hint: Message(.aggEnrolBadKeyHint), exitCode: 2)
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
                throw AggregatorError(Message(.aggEnrolFileBadLine, ["source": source, "line": index + 1]), exitCode: 2)
            }
            guard seen.insert(fields[0]).inserted else {
                throw AggregatorError(Message(.aggEnrolFileTwice, ["source": source, "line": index + 1, "node": fields[0]]), exitCode: 2)
            }
            do {
                records.append(try enrolment(nodeID: fields[0], publicKey: fields[1], now: now))
            } catch {
                throw AggregatorError(Message(.aggEnrolFileError, ["source": source, "line": index + 1], parts: ["error": error.text]), exitCode: 2)
            }
        }
        return records
    }
}
