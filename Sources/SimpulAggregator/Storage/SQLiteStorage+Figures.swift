import Foundation
import GRDB
import SimpulCore

/// The figure job's reads and writes on SQLite: one write transaction per update (SQLite has one writer, so
/// updates never race one another).
extension SQLiteStorage {
    public func updateFigures(maxEntries: Int, fold: @escaping @Sendable (FigureBatch) -> FigureChanges) async throws -> Int {
        try await pool.write { db in
            let heads = try Row.fetchAll(db, sql: """
                SELECT n.id, n.head_seq, COALESCE(m.seq, 0) AS mark FROM nodes n LEFT JOIN figure_marks m ON m.node = n.id
                WHERE n.head_seq > COALESCE(m.seq, 0) ORDER BY n.id
                """).map { (node: $0[0] as String, head: $0[1] as Int64, mark: $0[2] as Int64) }
            let plan = FigureSchema.Plan(heads: heads, maxEntries: maxEntries)
            var keys = Set<CaseKey>()
            let inRange = try db.cachedStatement(sql: "SELECT case_node, case_id FROM entries WHERE node = ? AND seq > ? AND seq <= ?")
            for range in plan.ranges {
                let rows = try Row.fetchCursor(inRange, arguments: [range.node, range.after, range.upTo])
                while let row = try rows.next() { keys.insert(CaseKey(caseNode: row[0], caseID: row[1])) }
            }
            let released = try Row.fetchAll(db, sql: "SELECT case_node, case_id FROM figure_dirty LIMIT ?", arguments: [maxEntries])
                .map { CaseKey(caseNode: $0[0], caseID: $0[1]) }
            keys.formUnion(released)
            guard !keys.isEmpty || !plan.ranges.isEmpty else { return 0 }

            var batch = FigureBatch(events: [:], previous: [:])
            let events = try db.cachedStatement(sql: """
                SELECT e.node, e.seq, e.bytes FROM entries e WHERE e.case_node = ? AND e.case_id = ?
                AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.node = e.node AND q.seq = e.seq AND q.released_at IS NULL)
                """)
            let previous = try db.cachedStatement(sql: "SELECT figure FROM case_figures WHERE case_node = ? AND case_id = ?")
            for key in keys {
                var list = [CaseEvent]()
                let rows = try Row.fetchCursor(events, arguments: [key.caseNode, key.caseID])
                while let row = try rows.next() {
                    let content = try LogEntry(seq: row[1], bytes: row[2]).decode()
                    list.append(CaseEvent(node: row[0], seq: row[1], hlc: content.hlc, event: content.event))
                }
                batch.events[key] = list
                if let text = try String.fetchOne(previous, arguments: [key.caseNode, key.caseID]) {
                    batch.previous[key] = try Self.figure(text)
                }
            }
            let changes = fold(batch)
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO case_figures(case_node, case_id, kecamatan, desa, provider, is_open, opened_epoch, response_due_epoch, figure)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (case_node, case_id) DO UPDATE SET kecamatan = excluded.kecamatan, desa = excluded.desa,
                    provider = excluded.provider, is_open = excluded.is_open, opened_epoch = excluded.opened_epoch,
                    response_due_epoch = excluded.response_due_epoch, figure = excluded.figure
                """)
            for f in changes.figures {
                let row = FigureRowValues(f)
                try upsert.execute(arguments: [f.caseNode, f.caseID, f.kecamatan, f.desa, f.provider, f.isOpen ? 1 : 0, f.openedEpoch,
                                               row.responseDueEpoch, f.record])
            }
            for key in changes.removed {
                try db.execute(sql: "DELETE FROM case_figures WHERE case_node = ? AND case_id = ?", arguments: [key.caseNode, key.caseID])
            }
            let placeholders = Array(repeating: "?", count: FigureCounts.columns.count).joined(separator: ", ")
            let addSums = try db.cachedStatement(sql: """
                INSERT INTO figure_sums(kecamatan, service, month, \(FigureSchema.sumColumns)) VALUES (?, ?, ?, \(placeholders))
                ON CONFLICT (kecamatan, service, month) DO UPDATE SET \(FigureSchema.sumUpdates)
                """)
            for (key, counts) in changes.sums {
                try addSums.execute(arguments: StatementArguments([key.kecamatan, key.service, key.month] + counts.values.map { $0 as (any DatabaseValueConvertible) }))
            }
            for range in plan.ranges {
                try db.execute(sql: "INSERT INTO figure_marks(node, seq) VALUES (?, ?) ON CONFLICT (node) DO UPDATE SET seq = excluded.seq",
                               arguments: [range.node, range.upTo])
            }
            for key in released {
                try db.execute(sql: "DELETE FROM figure_dirty WHERE case_node = ? AND case_id = ?", arguments: [key.caseNode, key.caseID])
            }
            return plan.entries + released.count
        }
    }

    public func figureSums(area: AreaRange, prefixLength: Int) async throws -> [FigureSumRow] {
        let sums = FigureCounts.columns.map { "sum(\($0))" }.joined(separator: ", ")
        return try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT substr(kecamatan, 1, ?) AS k, service, month, \(sums) FROM figure_sums
                WHERE kecamatan >= ? AND kecamatan < ? GROUP BY k, service, month
                """, arguments: [prefixLength, area.lower, area.upper]).map { row in
                FigureSumRow(key: FigureSumKey(kecamatan: row[0], service: row[1], month: row[2]),
                             counts: FigureCounts(values: (0..<FigureCounts.columns.count).map { row[3 + $0] as Int64 }))
            }
        }
    }

    public func openCaseAges(area: AreaRange, cutoffs: (Int64, Int64, Int64)) async throws -> [OpenCaseAges] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT kecamatan, count(*), sum(opened_epoch <= ?), sum(opened_epoch <= ?), sum(opened_epoch <= ?)
                FROM case_figures WHERE is_open = 1 AND kecamatan >= ? AND kecamatan < ? GROUP BY kecamatan
                """, arguments: [cutoffs.0, cutoffs.1, cutoffs.2, area.lower, area.upper]).map {
                OpenCaseAges(kecamatan: $0[0], open: $0[1], over7Days: $0[2], over14Days: $0[3], over30Days: $0[4])
            }
        }
    }

    public func providerBacklogs(area: AreaRange, now: Int64) async throws -> [ProviderBacklog] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT provider, count(*), sum(response_due_epoch <= ?) FROM case_figures
                WHERE response_due_epoch IS NOT NULL AND kecamatan >= ? AND kecamatan < ? GROUP BY provider
                """, arguments: [now, area.lower, area.upper]).map {
                ProviderBacklog(provider: $0[0] ?? "?", awaiting: $0[1], overdue: $0[2])
            }
        }
    }

    public func caseFigures(desa: String) async throws -> [CaseFigure] {
        let kecamatan = desa.split(separator: ".").prefix(3).joined(separator: ".")
        return try await pool.read { db in
            return try String.fetchAll(db, sql: "SELECT figure FROM case_figures WHERE kecamatan = ? AND desa = ?", arguments: [kecamatan, desa])
                .map(Self.figure)
        }
    }

    public func casesPerDesa(kecamatan: String) async throws -> [String: Int] {
        try await pool.read { db in
            var out = [String: Int]()
            for row in try Row.fetchAll(db, sql: "SELECT desa, count(*) FROM case_figures WHERE kecamatan = ? AND desa IS NOT NULL GROUP BY desa",
                                        arguments: [kecamatan]) {
                out[row[0]] = row[1]
            }
            return out
        }
    }
}
