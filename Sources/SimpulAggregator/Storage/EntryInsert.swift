import Foundation
import GRDB
import GRDBSQLite

/// Binds one stored entry to the prepared `INSERT INTO entries` and steps it through SQLite's C API.
///
/// A catch-up stores tens of thousands of rows a second; binding ten values through GRDB's general
/// `StatementArguments` (an array of enum values per row) cost as much as the B-tree work. Values are copied
/// by SQLite (`SQLITE_TRANSIENT`), so nothing here outlives the call.
struct EntryInsert {
    static let sql = """
        INSERT INTO entries(node, seq, bytes, hash, event_id, kind, service, case_id, desa, occurred_at, case_node, provider)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// What `step` reports: stored, or refused by a UNIQUE constraint (an event id stored before).
    enum Result { case inserted, constraint }

    let statement: Statement

    init(_ db: Database) throws {
        statement = try db.cachedStatement(sql: Self.sql)
    }

    func step(_ e: StoredEntry, in db: Database) throws -> Result {
        let s = statement.sqliteStatement
        // Every parameter is bound for each row, so a reset is all a reuse needs.
        defer { sqlite3_reset(s) }
        bindText(s, 1, e.node)
        sqlite3_bind_int64(s, 2, e.seq)
        bindBlob(s, 3, e.bytes)
        bindBlob(s, 4, e.hash)
        bindText(s, 5, e.eventID)
        bindText(s, 6, e.kind)
        bindText(s, 7, e.service)
        bindText(s, 8, e.caseID)
        if let desa = e.desa { bindText(s, 9, desa) } else { sqlite3_bind_null(s, 9) }
        bindText(s, 10, e.occurredAt)
        bindText(s, 11, e.caseNode ?? e.node)
        if let provider = e.provider { bindText(s, 12, provider) } else { sqlite3_bind_null(s, 12) }
        let code = sqlite3_step(s)
        // GRDB turns on extended result codes: SQLITE_CONSTRAINT_UNIQUE arrives, its low byte is the primary code.
        switch code & 0xff {
        case SQLITE_DONE: return .inserted
        case SQLITE_CONSTRAINT: return .constraint
        default:
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                                sql: Self.sql)
        }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func bindText(_ s: OpaquePointer, _ index: Int32, _ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            _ = sqlite3_bind_text(s, index, UnsafeRawPointer(utf8.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(utf8.count), Self.transient)
        }
    }

    private func bindBlob(_ s: OpaquePointer, _ index: Int32, _ value: Data) {
        value.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(s, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count), Self.transient)
        }
    }
}
