import ArgumentParser
import Foundation
import Logging
import SimpulAggregator
import SimpulCore

/// `simpul-aggregator migrate --to URL`: moves a province's SQLite aggregator to PostgreSQL, then verifies the copy.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: tr(.aggHelpMigrate),
        discussion: tr(.discMigrate))

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp(tr(.optMigrateTo))) var to: String
    @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false

    struct Result: Codable {
        var rows: [String: Int]
        var seconds: Double
        var verifiedNodes: Int
        var verified: Bool
        var target: String

        enum CodingKeys: String, CodingKey {
            case rows, seconds, verified, target
            case verifiedNodes = "verified_nodes"
        }
    }

    func run() async throws {
        try await Output.guarding(json: json) {
            let config = try global.load()
            guard config.database.isEmpty else {
                throw AggregatorError(Message(.aggMigrateAlreadyPostgres, ["database": config.databaseDescription]),
                                      hint: Message(.aggMigrateAlreadyPostgresHint), exitCode: 2)
            }
            let url = try PostgresURL(to)
            let source = try SQLiteStorage(path: config.databasePath)
            let target = try await PostgresStorage(url: url, operationTimeout: .seconds(600))
            let key = try AggregatorAdmin.loadSigningKey(config)
            var logger = Logger(label: "simpul-aggregator.migrate")
            logger.logLevel = .warning
            let quiet = json
            let report = try await SQLiteToPostgres.migrate(source: source, target: target, signingKey: key, logger: logger) { table, count in
                if !quiet && count % 100_000 == 0 { Output.note(tr(.aggMigrateProgress, ["table": table, "count": count])) }
            }
            if !json {
                for (table, count) in report.rows.sorted(by: { $0.key < $1.key }) { Output.line(tr(.aggMigrateCopied, ["table": table, "count": count])) }
                Output.line(tr(.aggMigrateCopiedIn, ["seconds": String(format: "%.1f", report.seconds)]))
            }
            let results = try await StoredLogVerifier(storage: target).verifyAll()
            let sourceCount = try await source.entryCount(), targetCount = try await target.entryCount()
            let bad = results.filter { !$0.ok }
            let result = Result(rows: report.rows, seconds: report.seconds, verifiedNodes: results.count,
                                verified: bad.isEmpty && sourceCount == targetCount, target: url.redacted)
            if json { Output.json(result) }
            if let first = bad.first {
                throw AggregatorError(Message(.aggCopyNotVerified, ["node": first.node, "seq": first.firstBadSeq ?? 0, "problem": first.problem ?? ""]),
                                      hint: Message(.aggCopyNotVerifiedHint), exitCode: 6)
            }
            guard sourceCount == targetCount else {
                throw AggregatorError(Message(.aggCopyCountMismatch, ["target": targetCount, "source": sourceCount]),
                                      hint: Message(.aggCopyCountMismatchHint), exitCode: 6)
            }
            if !json {
                Output.line(tr(.aggMigrateOK, ["nodes": results.count, "entries": targetCount, "url": url.redacted]))
                Output.note(tr(.aggMigrateNext, ["url": url.redacted, "path": AggregatorConfig.path(explicit: global.config)]))
            }
        }
    }
}
