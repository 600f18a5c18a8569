import Foundation
import SimpulCore

/// `simpul backup DEST`: a consistent copy of the database (SQLite online backup, safe while the daemon
/// writes), the keys and the config, into a new directory.
public enum NodeBackup {
    public static func run(config: NodeConfig, configPath: String, destination: String) throws(NodeError) -> [String] {
        let fm = FileManager.default
        if fm.fileExists(atPath: destination) {
            guard let contents = try? fm.contentsOfDirectory(atPath: destination), contents.isEmpty else {
                throw NodeError(.usage, Message(.backupNotEmpty, ["path": destination]), hint: Message(.backupNotEmptyHint))
            }
        }
        do {
            try fm.createDirectory(atPath: destination, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw NodeError(.storage, Message(.cannotCreate, ["path": destination, "error": error.localizedDescription]))
        }
        let context = try NodeContext.open(config: config)
        try context.store.backup(to: destination + "/node.db")
        var written = [destination + "/node.db"]
        let secrets = [(config.privateKeyPath, "node.key"), (config.publicKeyPath, "node.pub"), (config.resolvedPseudonymKeyFile, "pseudonym.key")]
        for (source, name) in secrets {
            let text = try SecretFile.read(source, what: .verbatim(name))
            try SecretFile.write(text, to: destination + "/" + name)
            written.append(destination + "/" + name)
        }
        if let data = fm.contents(atPath: configPath) {
            guard SecretFile.createPrivate(destination + "/node.toml", contents: data) else {
                throw NodeError(.storage, Message(.cannotWrite, ["path": destination + "/node.toml", "error": String(cString: strerror(errno))]),
                                hint: Message(.backupWriteHint))
            }
            written.append(destination + "/node.toml")
        }
        return written
    }
}
