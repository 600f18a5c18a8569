import Foundation
import GRDB
import SimpulCore

/// The node's local database: events and their change log, written together, durably.
///
/// WAL with `synchronous=FULL`: a commit is on disk when it returns, so a recorded event survives a power
/// cut. GRDB's pool serialises writers and lets `status` read while the daemon writes; other processes
/// (a `record` beside the daemon) wait on SQLite's lock for up to `busyTimeout`.
public final class NodeStore: Sendable {
    public let path: String
    let pool: DatabasePool

    public static let busyTimeout: TimeInterval = 15

    /// Opens (and with `create`, creates) the database and brings its schema up to date.
    public init(path: String, create: Bool = false) throws(NodeError) {
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw NodeError(.notInitialized, Message(.noDatabase, ["path": path]), hint: Message(.noDatabaseHint))
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            if create && !FileManager.default.fileExists(atPath: path) {
                // Pseudonyms are personal data: the database (and so its -wal/-shm) is readable by its owner only.
                guard SecretFile.createPrivate(path) else {
                    throw NodeError(.storage, Message(.cannotCreateDatabase, ["path": path]), hint: Message(.checkDataDirWritable))
                }
                DataDirOwnership.adopt(path, dataDir: (path as NSString).deletingLastPathComponent)
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw NodeError.storage(.opOpenDatabase, path: path, error)
        }
        self.path = path
    }

    func read<T>(_ what: MessageKey, _ body: (Database) throws -> T) throws(NodeError) -> T {
        do { return try pool.read(body) } catch let error as NodeError { throw error } catch {
            throw NodeError.storage(what, path: path, error)
        }
    }

    func write<T>(_ what: MessageKey, _ body: (Database) throws -> T) throws(NodeError) -> T {
        do { return try pool.write(body) } catch let error as NodeError { throw error } catch {
            throw NodeError.storage(what, path: path, error)
        }
    }

    /// The node id this database belongs to (set by `init`; a database never changes node).
    public func nodeID() throws(NodeError) -> String? {
        try read(.opReadNodeID) { db in
            try String.fetchOne(db, sql: "SELECT value FROM node_meta WHERE key = 'node_id'")
        }
    }

    public func setNodeID(_ id: String) throws(NodeError) {
        try write(.opSaveNodeID) { db in
            try db.execute(sql: "INSERT INTO node_meta(key, value) VALUES ('node_id', ?)", arguments: [id])
        }
    }

    /// The aggregator's receipt key, pinned by the first valid receipt (trust on first use).
    public func pinnedAggregatorKey() throws(NodeError) -> String? {
        try read(.opReadAggregatorKey) { db in
            try String.fetchOne(db, sql: "SELECT value FROM node_meta WHERE key = 'aggregator_key'")
        }
    }

    public func pinAggregatorKey(_ key: String) throws(NodeError) {
        try write(.opSaveAggregatorKey) { db in
            try db.execute(sql: "INSERT OR IGNORE INTO node_meta(key, value) VALUES ('aggregator_key', ?)", arguments: [key])
        }
    }

    /// The last entry of the log: seq, hash and HLC stamp (0, genesis and zero when empty).
    public struct Head: Sendable, Equatable {
        public var seq: Int64
        public var hash: Data
        public var hlc: HLCTimestamp
    }

    public func head() throws(NodeError) -> Head {
        try read(.opReadLogHead) { db in try Self.head(db) }
    }

    static func head(_ db: Database) throws -> Head {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash, hlc FROM log ORDER BY seq DESC LIMIT 1") else {
            return Head(seq: 0, hash: ChainHash.genesis, hlc: .zero)
        }
        return Head(seq: row["seq"], hash: row["hash"], hlc: HLCTimestamp(packed: row["hlc"]))
    }

    /// A log entry with its stored hash.
    public struct HashedEntry: Sendable, Equatable {
        public var entry: LogEntry
        public var hash: Data
    }

    /// Entries after `seq`, at most `maxCount` of them and (beyond the first) at most `maxBytes` in total.
    public func entries(after seq: Int64, maxCount: Int, maxBytes: Int) throws(NodeError) -> [HashedEntry] {
        try read(.opReadLog) { db in
            var out = [HashedEntry]()
            var bytes = 0
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT seq, bytes, hash FROM log WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, maxCount])
            while let row = try cursor.next() {
                let data: Data = row["bytes"]
                if !out.isEmpty && bytes + data.count > maxBytes { break }
                bytes += data.count
                out.append(HashedEntry(entry: LogEntry(seq: row["seq"], bytes: data), hash: row["hash"]))
            }
            return out
        }
    }

    /// The stored hash of one entry; `ChainHash.genesis` for seq 0.
    public func hash(at seq: Int64) throws(NodeError) -> Data? {
        if seq == 0 { return ChainHash.genesis }
        return try read(.opReadLog) { db in
            try Data.fetchOne(db, sql: "SELECT hash FROM log WHERE seq = ?", arguments: [seq])
        }
    }

    /// A consistent copy of the database at `destination` (SQLite online backup; safe while others write).
    public func backup(to destination: String) throws(NodeError) {
        do {
            _ = SecretFile.createPrivate(destination)
            let target = try DatabaseQueue(path: destination)
            try pool.backup(to: target)
            try target.close()
        } catch {
            throw NodeError.storage(.opBackup, path: destination, error)
        }
    }
}
