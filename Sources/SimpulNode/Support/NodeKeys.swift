import Foundation
import SimpulCore

/// The node's secrets: its Ed25519 signing key and the provincial pseudonym key.
public struct NodeKeys: Sendable {
    public let signing: SigningKey
    public let pseudonymizer: Pseudonymizer

    public static func load(_ config: NodeConfig) throws(NodeError) -> NodeKeys {
        let text = try SecretFile.read(config.privateKeyPath, what: Message(.privateKeyNoun))
        let signing: SigningKey
        do { signing = try SigningKey(base64: text) } catch {
            throw NodeError(.keys, Message(.privateKeyDamaged, ["path": config.privateKeyPath, "reason": error.reason]), hint: Message(.restoreFromBackup))
        }
        return NodeKeys(signing: signing, pseudonymizer: try loadPseudonymizer(path: config.resolvedPseudonymKeyFile))
    }

    /// A pseudonym key file holds base64 text (as `init` writes it) or at least 32 raw bytes.
    public static func loadPseudonymizer(path: String) throws(NodeError) -> Pseudonymizer {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NodeError(.keys, Message(.pseudonymKeyUnreadable, ["path": path]), hint: Message(.pseudonymKeyUnreadableHint, ["path": path]))
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes = Data(base64Encoded: text).flatMap { $0.count >= Pseudonymizer.minimumKeyBytes ? $0 : nil } ?? data
        do { return try Pseudonymizer(keyBytes: bytes) } catch {
            throw NodeError(.keys, Message(.pseudonymKeyUnusable, ["path": path, "reason": error.reason]), hint: Message(.pseudonymKeyUnusableHint))
        }
    }
}
