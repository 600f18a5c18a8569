import Foundation
import GRDB
import Logging
import NIOCore
import PostgresNIO
import SimpulCore

/// `simpul-aggregator migrate --to URL`: copies a SQLite aggregator into an empty PostgreSQL database, every table row
/// for row (the same columns on both), in one PostgreSQL transaction: the target has all of it or none. Rows travel
/// in chunks of `chunkRows` as column arrays, unnested server-side. The feed keeps its cursors (nodes resume where
/// they were) and its sequence continues after them. Run it with `serve` stopped.
public enum SQLiteToPostgres {
    /// What was copied, per table.
    public struct Report: Sendable, Codable {
        public var rows: [String: Int]
        public var seconds: Double
    }

    /// A column and how it travels.
    struct Column {
        enum Kind { case text, integer, real, blob }
        var name: String
        var kind: Kind
        var nullable = false
    }

    /// A table in copy order, with the key SQLite pages it by.
    struct Table {
        var name: String
        var columns: [Column]
        var order: String
    }

    static func text(_ name: String, null: Bool = false) -> Column { Column(name: name, kind: .text, nullable: null) }
    static func int(_ name: String, null: Bool = false) -> Column { Column(name: name, kind: .integer, nullable: null) }

    static let tables: [Table] = [
        Table(name: "nodes", columns: [
            text("id"), text("public_key"), text("enrolled_at"), text("revoked_at", null: true), int("head_seq"),
            Column(name: "head_hash", kind: .blob), text("last_seen_at", null: true),
            Column(name: "clock_skew_seconds", kind: .real, nullable: true), int("fork_seq", null: true), int("quarantined"),
            int("request_counter"), int("reported_backlog", null: true),
        ], order: "id"),
        Table(name: "entries", columns: [
            text("node"), int("seq"), Column(name: "bytes", kind: .blob), Column(name: "hash", kind: .blob), text("event_id"),
            text("kind"), text("service"), text("case_id"), text("desa", null: true), text("occurred_at"),
            text("case_node", null: true), text("provider", null: true),
        ], order: "rowid"),
        Table(name: "batches", columns: [
            text("node"), int("from_seq"), int("to_seq"), text("prev_hash"), text("last_hash"), text("signature"), text("received_at"),
            text("clock", null: true),
        ], order: "rowid"),
        Table(name: "forks", columns: [
            text("node"), int("seq"), text("stored_hash"), text("offered_hash"), Column(name: "offered_bytes", kind: .blob), text("header"),
            text("detected_at"), text("resolved_at", null: true),
        ], order: "rowid"),
        Table(name: "quarantine", columns: [
            text("node"), int("seq"), text("event_id"), text("field"), text("reason"), text("quarantined_at"), text("released_at", null: true),
        ], order: "rowid"),
        Table(name: "case_routes", columns: [text("office"), text("case_id"), text("provider")], order: "office, case_id, provider"),
        Table(name: "feed", columns: [
            int("cursor"), text("node"), text("origin_node", null: true), int("origin_seq", null: true), text("rules", null: true),
            text("created_at"),
        ], order: "cursor"),
        Table(name: "node_keys", columns: [text("node"), text("public_key"), int("until_seq"), text("replaced_at")], order: "rowid"),
    ]

    static let chunkRows = 5000

    /// Copies `source` into `target`, which must hold no nodes yet; `signingKey` is the aggregator's receipt key, recorded
    /// as the database's. `progress` hears each table's running count.
    public static func migrate(source: SQLiteStorage, target: PostgresStorage, signingKey: SigningKey, logger: Logger,
                               progress: @escaping @Sendable (String, Int) -> Void = { _, _ in }) async throws -> Report {
        let started = ContinuousClock.now
        do {
            let rows = try await copyAll(source: source, target: target, signingKey: signingKey, logger: logger, progress: progress)
            return Report(rows: rows, seconds: started.duration(to: .now).inSeconds)
        } catch let error as PostgresTransactionError {
            if let refusal = error.closureError as? AggregatorError { throw refusal }
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
            throw failure(cause.map(PostgresStorage.describe) ?? "the transaction failed", target: target)
        } catch let error as AggregatorError {
            throw error
        } catch {
            throw failure(PostgresStorage.describe(error), target: target)
        }
    }

    static func failure(_ why: String, target: PostgresStorage) -> AggregatorError {
        AggregatorError(Message(.aggCopyRolledBack, ["url": target.url.redacted, "reason": why]), hint: Message(.aggCopyRolledBackHint))
    }

    private static func copyAll(source: SQLiteStorage, target: PostgresStorage, signingKey: SigningKey, logger: Logger,
                                progress: @escaping @Sendable (String, Int) -> Void) async throws -> [String: Int] {
        try await target.client.withTransaction(logger: logger) { db -> [String: Int] in
            let existing = try await db.query(
                "SELECT (SELECT count(*) FROM nodes) + (SELECT count(*) FROM entries) + (SELECT count(*) FROM feed) + (SELECT count(*) FROM aggregator_identity)",
                logger: logger).decode(Int64.self).first { _ in true } ?? 0
            guard existing == 0 else {
                throw AggregatorError(Message(.aggTargetNotEmpty), hint: Message(.aggTargetNotEmptyHint), exitCode: 2)
            }
            var counts = [String: Int]()
            for table in tables {
                counts[table.name] = try await copy(table, from: source, into: db, logger: logger) { progress(table.name, $0) }
            }
            // The feed's sequence continues after the copied cursors, so no node ever sees a cursor twice.
            try await db.query("SELECT setval(pg_get_serial_sequence('feed', 'cursor'), GREATEST((SELECT max(cursor) FROM feed), 1))",
                               logger: logger)
            try await db.query("""
                INSERT INTO aggregator_identity(public_key, created_at) VALUES (\(signingKey.publicKey.base64), \(RFC3339.format(Date())))
                """, logger: logger)
            return counts
        }
    }

    /// One table, chunk by chunk; returns the rows copied. Tables in rowid order are paged by key (`rowid > last`),
    /// so a million entries cost a million row reads, not the quadratic cost of OFFSET; the rest are small.
    private static func copy(_ table: Table, from source: SQLiteStorage, into db: PostgresConnection, logger: Logger,
                             progress: (Int) -> Void) async throws -> Int {
        var copied = 0
        var lastKey: Int64 = .min
        let names = table.columns.map(\.name).joined(separator: ", ")
        let keyed = table.order == "rowid" || table.order == "cursor"
        while true {
            let offset = copied, after = lastKey
            let chunk = try await source.pool.read { db -> (query: PostgresQuery, count: Int, lastKey: Int64)? in
                let sql = keyed
                    ? "SELECT \(names), \(table.order) FROM \(table.name) WHERE \(table.order) > \(after) ORDER BY \(table.order) LIMIT \(chunkRows)"
                    : "SELECT \(names) FROM \(table.name) ORDER BY \(table.order) LIMIT \(chunkRows) OFFSET \(offset)"
                let rows = try Row.fetchAll(db, sql: sql)
                guard let last = rows.last else { return nil }
                return (insert(table, rows: rows), rows.count, keyed ? last[table.columns.count] : 0)
            }
            guard let chunk else { return copied }
            try await db.query(chunk.query, logger: logger)
            copied += chunk.count
            lastKey = chunk.lastKey
            progress(copied)
        }
    }

    /// `INSERT INTO table(columns) SELECT ... FROM unnest(arrays)`: one array per column, and a flag array beside each
    /// nullable one (column arrays of optionals do not travel).
    static func insert(_ table: Table, rows: [Row]) -> PostgresQuery {
        var binds = PostgresBindings()
        var arrays = [String](), aliases = [String](), selected = [String]()
        for (index, column) in table.columns.enumerated() {
            let values = rows.map { $0[index] as DatabaseValue }
            switch column.kind {
            case .text:
                binds.append(values.map { String.fromDatabaseValue($0) ?? "" })
                arrays.append("$\(binds.count)::text[]")
            case .integer:
                binds.append(values.map { Int64.fromDatabaseValue($0) ?? 0 })
                arrays.append("$\(binds.count)::bigint[]")
            case .real:
                binds.append(values.map { Double.fromDatabaseValue($0) ?? 0 })
                arrays.append("$\(binds.count)::float8[]")
            case .blob:
                binds.append(values.map { ByteBuffer(data: Data.fromDatabaseValue($0) ?? Data()) })
                arrays.append("$\(binds.count)::bytea[]")
            }
            aliases.append("c\(index)")
            if column.nullable {
                binds.append(values.map(\.isNull))
                arrays.append("$\(binds.count)::bool[]")
                aliases.append("n\(index)")
                selected.append("CASE WHEN n\(index) THEN NULL ELSE c\(index) END")
            } else {
                selected.append("c\(index)")
            }
        }
        let sql = """
            INSERT INTO \(table.name)(\(table.columns.map(\.name).joined(separator: ", ")))
            SELECT \(selected.joined(separator: ", ")) FROM unnest(\(arrays.joined(separator: ", "))) AS u(\(aliases.joined(separator: ", ")))
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
