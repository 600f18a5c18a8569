import Foundation
import GRDB
import SimpulCore

/// Export pages on SQLite: keyset pages along the `(node, seq)` and `(case_node, case_id)` keys.
extension SQLiteStorage {
    public func exportEntries(after: (node: String, seq: Int64)?, filter: ExportFilter, limit: Int) async throws -> ExportPage {
        let dates = filter.occurredBounds, area = filter.areaRange
        return try await pool.read { db in
            var entries = [(node: String, seq: Int64, bytes: Data)]()
            entries.reserveCapacity(limit)
            let rows = try Row.fetchCursor(db, sql: """
                SELECT e.node, e.seq, e.bytes FROM entries e
                WHERE (e.node, e.seq) > (?, ?)
                AND e.occurred_at >= ? AND e.occurred_at < ?
                AND COALESCE(e.desa, e.case_node) >= ? AND COALESCE(e.desa, e.case_node) < ?
                AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.node = e.node AND q.seq = e.seq AND q.released_at IS NULL)
                ORDER BY e.node, e.seq LIMIT ?
                """, arguments: [after?.node ?? "", after?.seq ?? 0, dates.lower, dates.upper, area.lower, area.upper, limit])
            while let row = try rows.next() { entries.append((row[0], row[1], row[2])) }
            let last = entries.count == limit ? entries.last.map { ($0.node, $0.seq) } : nil
            return ExportPage(entries: entries, last: last)
        }
    }

    public func exportCases(after: CaseFigureCursor?, area: AreaRange, limit: Int) async throws -> [CaseFigure] {
        try await pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT figure FROM case_figures INDEXED BY case_figures_area
                WHERE (kecamatan, case_node, case_id) > (?, ?, ?) AND kecamatan < ?
                ORDER BY kecamatan, case_node, case_id LIMIT ?
                """, arguments: [after?.kecamatan ?? area.lower, after?.caseNode ?? "", after?.caseID ?? "", area.upper, limit])
                .map(Self.figure)
        }
    }
}
