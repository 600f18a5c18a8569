import Foundation
import GRDB
import Testing

/// The two-way sync's views, as the node and the aggregator print them.
extension LiveNode {
    /// `simpul cases --json` (with extra flags), decoded.
    func cases(_ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [[String: Any]] {
        let result = try await run(["cases", "--json"] + extra)
        try #require(result.status == 0, "cases --json failed on \(id): \(result.summary)", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]],
                            "cases --json is not an array: \(result.stdoutText.prefix(300))", sourceLocation: sourceLocation)
    }

    /// Records NDJSON lines in one `record --file` run; returns the result (the caller checks it).
    func recordLines(_ lines: [String]) async throws -> LiveResult {
        let file = dir + "/lines-\(UUID().uuidString.prefix(6)).ndjson"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try await run(["record", "--file", file, "--json"])
    }

    /// Rows of one SQL query on node.db (read-only), for checks the CLI does not print.
    func query(_ sql: String) async throws -> [[String: String]] {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.readonly = true
        let queue = try DatabaseQueue(path: database, configuration: configuration)
        defer { try? queue.close() }
        return try await queue.read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                Dictionary(uniqueKeysWithValues: row.columnNames.map { ($0, row[$0].map { "\($0)" } ?? "") })
            }
        }
    }
}

extension LiveCluster {
    /// `simpul-aggregator cases --json`, keyed by case node and case id.
    func aggregatorCases(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: [String: Any]] {
        let result = try await runAdmin(["cases", "--json"], within: .seconds(120))
        try #require(result.status == 0, "aggregator cases --json failed: \(result.summary)", sourceLocation: sourceLocation)
        let list = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]], sourceLocation: sourceLocation)
        var out = [String: [String: Any]]()
        for c in list { out[LiveCase.key(c)] = c }
        return out
    }
}

/// Comparing case folds across nodes: the fields every holder of the same events computes alike.
enum LiveCase {
    static func key(_ c: [String: Any]) -> String { "\(c["case_node"] ?? "?")/\(c["case"] ?? "?")" }

    /// State, provider, outcome, overdue, anomalies and the events (node, seq, kind) in fold order.
    static func essence(_ c: [String: Any]) -> String {
        let events = (c["events"] as? [[String: Any]] ?? []).map { "\($0["node"] ?? "")#\($0["seq"] ?? "")/\($0["kind"] ?? "")" }
        return [c["state"], c["provider"], c["outcome"], c["overdue"], c["anomalies"], c["service"]]
            .map { "\($0 ?? "nil")" }.joined(separator: "|") + "|" + events.joined(separator: ",")
    }
}
