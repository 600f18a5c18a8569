import Foundation
import GRDBSQLite

/// The load's SQLite baseline: the entries table's rows bound through the C API into a new file (WAL,
/// synchronous=FULL via `PlainSQLite`), one transaction per pushed batch, one writer. The file is removed afterwards.
enum SQLiteBaseline {
    static let schema = """
        CREATE TABLE entries (
            node TEXT NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL, hash BLOB NOT NULL,
            event_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, service TEXT NOT NULL, case_id TEXT NOT NULL,
            desa TEXT, occurred_at TEXT NOT NULL, UNIQUE (node, seq)
        );
        """
    static let insert = """
        INSERT INTO entries(node, seq, bytes, hash, event_id, kind, service, case_id, desa, occurred_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Seconds to write every job's rows.
    static func run(path: String, jobs: [LoadBaseline.Job]) throws -> Double {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw BenchError("the baseline file \(path) exists; name a new one (it is removed after the run)")
        }
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let db = try PlainSQLite(path: path)
        defer { db.close() }
        try db.exec(schema)
        let statement = try db.prepare(insert)
        defer { sqlite3_finalize(statement) }
        return try timed {
            for job in jobs {
                try db.exec("BEGIN")
                for seq in job.range {
                    try step(statement, job.node, seq, db: db)
                }
                try db.exec("COMMIT")
            }
        }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func step(_ s: OpaquePointer, _ node: LoadNode, _ seq: Int64, db: PlainSQLite) throws {
        let event = node.events[Int(seq - 1)]
        sqlite3_bind_text(s, 1, node.id, -1, transient)
        sqlite3_bind_int64(s, 2, seq)
        _ = node.entries[Int(seq - 1)].bytes.withUnsafeBytes { sqlite3_bind_blob(s, 3, $0.baseAddress, Int32($0.count), transient) }
        _ = node.hashes[Int(seq)].withUnsafeBytes { sqlite3_bind_blob(s, 4, $0.baseAddress, Int32($0.count), transient) }
        sqlite3_bind_text(s, 5, event.id, -1, transient)
        sqlite3_bind_text(s, 6, event.kind.rawValue, -1, transient)
        sqlite3_bind_text(s, 7, event.service, -1, transient)
        sqlite3_bind_text(s, 8, event.caseID, -1, transient)
        if let desa = event.desa { sqlite3_bind_text(s, 9, desa, -1, transient) } else { sqlite3_bind_null(s, 9) }
        sqlite3_bind_text(s, 10, event.occurredAt, -1, transient)
        defer { sqlite3_reset(s) }
        guard sqlite3_step(s) == SQLITE_DONE else {
            throw BenchError("baseline insert of \(node.id) seq \(seq): \(String(cString: sqlite3_errmsg(db.db)))")
        }
    }
}
