import Foundation
import GRDB
import GRDBSQLite

/// Binds one feed row (a node, the entry it receives, when) to the prepared `INSERT INTO feed` and steps it through
/// SQLite's C API: routing writes a row for most entries a catch-up stores, and GRDB's general argument binding
/// cost as much as the insert itself (see `EntryInsert`).
struct FeedInsert {
    static let sql = "INSERT INTO feed(node, origin_node, origin_seq, created_at) VALUES (?, ?, ?, ?)"

    let statement: Statement

    init(_ db: Database) throws {
        statement = try db.cachedStatement(sql: Self.sql)
    }

    func step(node: String, origin: String, seq: Int64, at time: String, in db: Database) throws {
        let s = statement.sqliteStatement
        defer { sqlite3_reset(s) }
        bindText(s, 1, node)
        bindText(s, 2, origin)
        sqlite3_bind_int64(s, 3, seq)
        bindText(s, 4, time)
        let code = sqlite3_step(s)
        guard code & 0xff == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: Self.sql)
        }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func bindText(_ s: OpaquePointer, _ index: Int32, _ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            _ = sqlite3_bind_text(s, index, UnsafeRawPointer(utf8.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(utf8.count), Self.transient)
        }
    }
}
