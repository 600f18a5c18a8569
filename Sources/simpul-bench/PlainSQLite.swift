import Foundation
import GRDBSQLite

/// The baseline: the same rows written with the SQLite C API and nothing else (no validation, no JSON,
/// no hashing: values precomputed), in WAL mode with synchronous=FULL and the same transaction size.
struct PlainSQLite {
    let db: OpaquePointer

    init(path: String) throws {
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK, let handle else { throw BenchError("cannot open \(path)") }
        db = handle
        try exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
    }

    func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            throw BenchError("sqlite: \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    func prepare(_ sql: String) throws -> OpaquePointer {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw BenchError("sqlite: \(String(cString: sqlite3_errmsg(db)))")
        }
        return statement
    }

    /// A row value for binding.
    enum Value {
        case int(Int64)
        case text(String)
        case blob(Data)
        case null
    }

    /// Inserts rows (each a list of statements' values) in transactions of `perTransaction` rows.
    func insert(statements: [String], rows: [[[Value]]], perTransaction: Int) throws {
        let prepared = try statements.map(prepare)
        defer { prepared.forEach { sqlite3_finalize($0) } }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for start in stride(from: 0, to: rows.count, by: perTransaction) {
            try exec("BEGIN")
            for row in rows[start..<min(start + perTransaction, rows.count)] {
                for (statement, values) in zip(prepared, row) {
                    for (index, value) in values.enumerated() {
                        let i = Int32(index + 1)
                        switch value {
                        case .int(let v): sqlite3_bind_int64(statement, i, v)
                        case .text(let v): sqlite3_bind_text(statement, i, v, -1, transient)
                        case .blob(let v): _ = v.withUnsafeBytes { sqlite3_bind_blob(statement, i, $0.baseAddress, Int32($0.count), transient) }
                        case .null: sqlite3_bind_null(statement, i)
                        }
                    }
                    guard sqlite3_step(statement) == SQLITE_DONE else { throw BenchError("insert: \(String(cString: sqlite3_errmsg(db)))") }
                    sqlite3_reset(statement)
                }
            }
            try exec("COMMIT")
        }
    }

    func close() { sqlite3_close(db) }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
