import Foundation
import PostgresNIO
import SimpulCore

/// Export pages on PostgreSQL: keyset pages along the `(node, seq)` primary key and the `(case_node, case_id)` key.
extension PostgresStorage {
    public func exportEntries(after: (node: String, seq: Int64)?, filter: ExportFilter, limit: Int) async throws -> ExportPage {
        let dates = filter.occurredBounds, area = filter.areaRange
        let node = after?.node ?? "", seq = after?.seq ?? 0
        return try await run("reading entries to export") { [client] in
            var entries = [(node: String, seq: Int64, bytes: Data)]()
            entries.reserveCapacity(limit)
            for try await (n, s, bytes) in try await client.query("""
                SELECT e.node, e.seq, e.bytes FROM entries e
                WHERE (e.node, e.seq) > (\(node), \(seq))
                AND e.occurred_at >= \(dates.lower) AND e.occurred_at < \(dates.upper)
                AND COALESCE(e.desa, e.case_node) COLLATE "C" >= \(area.lower) AND COALESCE(e.desa, e.case_node) COLLATE "C" < \(area.upper)
                AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.node = e.node AND q.seq = e.seq AND q.released_at IS NULL)
                ORDER BY e.node, e.seq LIMIT \(Int64(limit))
                """).decode((String, Int64, Data).self) {
                entries.append((n, s, bytes))
            }
            let last = entries.count == limit ? entries.last.map { ($0.node, $0.seq) } : nil
            return ExportPage(entries: entries, last: last)
        }
    }

    public func exportCases(after: CaseFigureCursor?, area: AreaRange, limit: Int) async throws -> [CaseFigure] {
        let kecamatan = after?.kecamatan ?? area.lower, caseNode = after?.caseNode ?? "", caseID = after?.caseID ?? ""
        return try await run("reading cases to export") { [client] in
            var out = [CaseFigure]()
            for try await text in try await client.query("""
                SELECT figure FROM case_figures
                WHERE (kecamatan, case_node, case_id) > (\(kecamatan), \(caseNode), \(caseID)) AND kecamatan < \(area.upper)
                ORDER BY kecamatan, case_node, case_id LIMIT \(Int64(limit))
                """).decode(String.self) {
                out.append(try Self.figure(text))
            }
            return out
        }
    }
}
