import SimpulCore

/// The figure tables, the same on both backends: each case's figure, their sums per kecamatan, service and month,
/// how far each node's entries have been taken in, and cases whose held entries were released since.
enum FigureSchema {
    static func statements(text: String, integer: String) -> [String] {
        let sums = FigureCounts.columns.map { "\($0) \(integer) NOT NULL DEFAULT 0" }.joined(separator: ",\n    ")
        return [
            """
            CREATE TABLE case_figures (
                case_node \(text) NOT NULL,
                case_id \(text) NOT NULL,
                kecamatan \(text) NOT NULL,
                desa \(text),
                provider \(text),
                is_open INTEGER NOT NULL,
                opened_epoch \(integer) NOT NULL,
                response_due_epoch \(integer),
                figure TEXT NOT NULL,
                PRIMARY KEY (case_node, case_id)
            )
            """,
            // Covering: open cases by age per kecamatan, and waiting referrals per provider, read from the index alone.
            "CREATE INDEX case_figures_open ON case_figures(is_open, kecamatan, opened_epoch)",
            "CREATE INDEX case_figures_awaiting ON case_figures(kecamatan, provider, response_due_epoch) WHERE response_due_epoch IS NOT NULL",
            // An area's cases in one order: the export pages along it (and a kecamatan's desa are found through it).
            "CREATE INDEX case_figures_area ON case_figures(kecamatan, case_node, case_id)",
            """
            CREATE TABLE figure_sums (
                kecamatan \(text) NOT NULL,
                service \(text) NOT NULL,
                month \(text) NOT NULL,
                \(sums),
                PRIMARY KEY (kecamatan, service, month)
            )
            """,
            "CREATE TABLE figure_marks (node \(text) PRIMARY KEY, seq \(integer) NOT NULL)",
            "CREATE TABLE figure_dirty (case_node \(text) NOT NULL, case_id \(text) NOT NULL, PRIMARY KEY (case_node, case_id))",
        ]
    }

    static let sqlite = statements(text: "TEXT", integer: "INTEGER").joined(separator: ";\n")
    /// Bytewise ("C") collation, so an area's codes are one index range on PostgreSQL as on SQLite.
    static let postgres = statements(text: "TEXT COLLATE \"C\"", integer: "BIGINT")

    /// `col = col + excluded.col` for every sum, for the upsert that adds a change.
    static var sumUpdates: String { FigureCounts.columns.map { "\($0) = figure_sums.\($0) + excluded.\($0)" }.joined(separator: ", ") }
    static var sumColumns: String { FigureCounts.columns.joined(separator: ", ") }

    /// The entries and released cases one update takes in, chosen from each node's stored head and its mark.
    struct Plan {
        var ranges: [(node: String, after: Int64, upTo: Int64)] = []
        var entries = 0

        init(heads: [(node: String, head: Int64, mark: Int64)], maxEntries: Int) {
            for (node, head, mark) in heads where head > mark && entries < maxEntries {
                let upTo = min(head, mark + Int64(maxEntries - entries))
                ranges.append((node, mark, upTo))
                entries += Int(upTo - mark)
            }
        }
    }
}
