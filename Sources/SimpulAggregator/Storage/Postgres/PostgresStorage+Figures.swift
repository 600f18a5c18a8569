import Foundation
import PostgresNIO
import SimpulCore

/// The figure job's reads and writes on PostgreSQL: one transaction per update under the figures lock, so replicas
/// take turns (a push never waits for it: it reads node heads and entries, and writes only the figure tables).
extension PostgresStorage {
    public func updateFigures(maxEntries: Int, fold: @escaping @Sendable (FigureBatch) -> FigureChanges) async throws -> Int {
        try await run("updating the figures") { [client, logger] in
            try await client.withTransaction(logger: logger) { db in
                try await db.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.figuresLock))", logger: logger)
                var heads = [(node: String, head: Int64, mark: Int64)]()
                for try await (node, head, mark) in try await db.query("""
                    SELECT n.id, n.head_seq, COALESCE(m.seq, 0) FROM nodes n LEFT JOIN figure_marks m ON m.node = n.id
                    WHERE n.head_seq > COALESCE(m.seq, 0) ORDER BY n.id
                    """, logger: logger).decode((String, Int64, Int64).self) {
                    heads.append((node, head, mark))
                }
                let plan = FigureSchema.Plan(heads: heads, maxEntries: maxEntries)
                var keys = Set<CaseKey>()
                if !plan.ranges.isEmpty {
                    for try await (caseNode, caseID) in try await db.query("""
                        SELECT DISTINCT e.case_node, e.case_id FROM unnest(\(plan.ranges.map(\.node)), \(plan.ranges.map(\.after)),
                            \(plan.ranges.map(\.upTo))) AS r(node, after, up_to)
                        JOIN entries e ON e.node = r.node AND e.seq > r.after AND e.seq <= r.up_to
                        """, logger: logger).decode((String?, String).self) {
                        keys.insert(CaseKey(caseNode: caseNode ?? "", caseID: caseID))
                    }
                }
                var released = [CaseKey]()
                for try await (caseNode, caseID) in try await db.query(
                    "SELECT case_node, case_id FROM figure_dirty LIMIT \(Int64(maxEntries))", logger: logger
                ).decode((String, String).self) {
                    released.append(CaseKey(caseNode: caseNode, caseID: caseID))
                }
                keys.formUnion(released)
                guard !keys.isEmpty || !plan.ranges.isEmpty else { return 0 }

                let ordered = keys.sorted()
                let nodes = ordered.map(\.caseNode), cases = ordered.map(\.caseID)
                var batch = FigureBatch(events: [:], previous: [:])
                for key in ordered { batch.events[key] = [] }
                for try await (caseNode, caseID, node, seq, bytes) in try await db.query("""
                    SELECT e.case_node, e.case_id, e.node, e.seq, e.bytes
                    FROM (SELECT DISTINCT * FROM unnest(\(nodes), \(cases)) AS c(case_node, case_id)) c
                    JOIN entries e ON e.case_node = c.case_node AND e.case_id = c.case_id
                    WHERE NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.node = e.node AND q.seq = e.seq AND q.released_at IS NULL)
                    """, logger: logger).decode((String, String, String, Int64, Data).self) {
                    let content = try LogEntry(seq: seq, bytes: bytes).decode()
                    batch.events[CaseKey(caseNode: caseNode, caseID: caseID), default: []]
                        .append(CaseEvent(node: node, seq: seq, hlc: content.hlc, event: content.event))
                }
                for try await (caseNode, caseID, figure) in try await db.query("""
                    SELECT f.case_node, f.case_id, f.figure FROM unnest(\(nodes), \(cases)) AS c(case_node, case_id)
                    JOIN case_figures f ON f.case_node = c.case_node AND f.case_id = c.case_id
                    """, logger: logger).decode((String, String, String).self) {
                    batch.previous[CaseKey(caseNode: caseNode, caseID: caseID)] = try Self.figure(figure)
                }
                let changes = fold(batch)
                let figures = changes.figures
                if !figures.isEmpty {
                    let texts = figures.map(\.record)
                    let due = figures.map { FigureRowValues($0).responseDueEpoch ?? -1 }
                    try await db.query("""
                        INSERT INTO case_figures(case_node, case_id, kecamatan, desa, provider, is_open, opened_epoch, response_due_epoch, figure)
                        SELECT case_node, case_id, kecamatan, NULLIF(desa, ''), NULLIF(provider, ''), is_open, opened_epoch,
                            NULLIF(due, -1), figure
                        FROM unnest(\(figures.map(\.caseNode)), \(figures.map(\.caseID)), \(figures.map(\.kecamatan)),
                                    \(figures.map { $0.desa ?? "" }), \(figures.map { $0.provider ?? "" }), \(figures.map { $0.isOpen ? 1 : 0 }),
                                    \(figures.map(\.openedEpoch)), \(due), \(texts))
                            AS t(case_node, case_id, kecamatan, desa, provider, is_open, opened_epoch, due, figure)
                        ON CONFLICT (case_node, case_id) DO UPDATE SET kecamatan = excluded.kecamatan, desa = excluded.desa,
                            provider = excluded.provider, is_open = excluded.is_open, opened_epoch = excluded.opened_epoch,
                            response_due_epoch = excluded.response_due_epoch, figure = excluded.figure
                        """, logger: logger)
                }
                if !changes.removed.isEmpty {
                    try await db.query("""
                        DELETE FROM case_figures f USING unnest(\(changes.removed.map(\.caseNode)), \(changes.removed.map(\.caseID)))
                            AS c(case_node, case_id)
                        WHERE f.case_node = c.case_node AND f.case_id = c.case_id
                        """, logger: logger)
                }
                let sums = changes.sums.sorted { $0.key < $1.key }
                if !sums.isEmpty {
                    // One array per column: the sums travel as a two-dimensional array, a row per key.
                    let columns = FigureCounts.columns
                    let selects = columns.enumerated().map { "v[\($0.offset + 1)]" }.joined(separator: ", ")
                    let flat = sums.flatMap(\.value.values)
                    try await db.query("""
                        INSERT INTO figure_sums(kecamatan, service, month, \(unescaped: FigureSchema.sumColumns))
                        SELECT k, s, m, \(unescaped: selects) FROM (
                            SELECT k, s, m, (\(flat))[(n - 1) * \(Int64(columns.count)) + 1 : n * \(Int64(columns.count))] AS v
                            FROM unnest(\(sums.map(\.key.kecamatan)), \(sums.map(\.key.service)), \(sums.map(\.key.month)))
                                WITH ORDINALITY AS t(k, s, m, n)
                        ) rows
                        ON CONFLICT (kecamatan, service, month) DO UPDATE SET \(unescaped: FigureSchema.sumUpdates)
                        """, logger: logger)
                }
                if !plan.ranges.isEmpty {
                    try await db.query("""
                        INSERT INTO figure_marks(node, seq) SELECT * FROM unnest(\(plan.ranges.map(\.node)), \(plan.ranges.map(\.upTo)))
                        ON CONFLICT (node) DO UPDATE SET seq = excluded.seq
                        """, logger: logger)
                }
                if !released.isEmpty {
                    try await db.query("""
                        DELETE FROM figure_dirty d USING unnest(\(released.map(\.caseNode)), \(released.map(\.caseID))) AS c(case_node, case_id)
                        WHERE d.case_node = c.case_node AND d.case_id = c.case_id
                        """, logger: logger)
                }
                return plan.entries + released.count
            }
        }
    }

    public func figureSums(area: AreaRange, prefixLength: Int) async throws -> [FigureSumRow] {
        try await run("reading figure sums") { [client] in
            var out = [FigureSumRow]()
            let sums = FigureCounts.columns.map { "sum(\($0))::bigint" }.joined(separator: ", ")
            for try await (kecamatan, service, month, values) in try await client.query("""
                SELECT substr(kecamatan, 1, \(Int32(prefixLength))) AS k, service, month, ARRAY[\(unescaped: sums)] FROM figure_sums
                WHERE kecamatan >= \(area.lower) AND kecamatan < \(area.upper) GROUP BY k, service, month
                """).decode((String, String, String, [Int64]).self) {
                out.append(FigureSumRow(key: FigureSumKey(kecamatan: kecamatan, service: service, month: month), counts: FigureCounts(values: values)))
            }
            return out
        }
    }

    public func openCaseAges(area: AreaRange, cutoffs: (Int64, Int64, Int64)) async throws -> [OpenCaseAges] {
        let (a, b, c) = cutoffs
        return try await run("reading open cases") { [client] in
            var out = [OpenCaseAges]()
            for try await (kecamatan, open, over7, over14, over30) in try await client.query("""
                SELECT kecamatan, count(*), count(*) FILTER (WHERE opened_epoch <= \(a)), count(*) FILTER (WHERE opened_epoch <= \(b)),
                    count(*) FILTER (WHERE opened_epoch <= \(c))
                FROM case_figures WHERE is_open = 1 AND kecamatan >= \(area.lower) AND kecamatan < \(area.upper) GROUP BY kecamatan
                """).decode((String, Int64, Int64, Int64, Int64).self) {
                out.append(OpenCaseAges(kecamatan: kecamatan, open: Int(open), over7Days: Int(over7), over14Days: Int(over14), over30Days: Int(over30)))
            }
            return out
        }
    }

    public func providerBacklogs(area: AreaRange, now: Int64) async throws -> [ProviderBacklog] {
        try await run("reading provider backlogs") { [client] in
            var out = [ProviderBacklog]()
            for try await (provider, awaiting, overdue) in try await client.query("""
                SELECT provider, count(*), count(*) FILTER (WHERE response_due_epoch <= \(now)) FROM case_figures
                WHERE response_due_epoch IS NOT NULL AND kecamatan >= \(area.lower) AND kecamatan < \(area.upper) GROUP BY provider
                """).decode((String?, Int64, Int64).self) {
                out.append(ProviderBacklog(provider: provider ?? "?", awaiting: Int(awaiting), overdue: Int(overdue)))
            }
            return out
        }
    }

    public func caseFigures(desa: String) async throws -> [CaseFigure] {
        let kecamatan = desa.split(separator: ".").prefix(3).joined(separator: ".")
        return try await run("reading the cases of \(desa)") { [client] in
            var out = [CaseFigure]()
            for try await text in try await client.query(
                "SELECT figure FROM case_figures WHERE kecamatan = \(kecamatan) AND desa = \(desa)"
            ).decode(String.self) {
                out.append(try Self.figure(text))
            }
            return out
        }
    }

    public func casesPerDesa(kecamatan: String) async throws -> [String: Int] {
        try await run("reading cases per desa of \(kecamatan)") { [client] in
            var out = [String: Int]()
            for try await (desa, count) in try await client.query("""
                SELECT desa, count(*) FROM case_figures WHERE kecamatan = \(kecamatan) AND desa IS NOT NULL GROUP BY desa
                """).decode((String, Int64).self) {
                out[desa] = Int(count)
            }
            return out
        }
    }
}
