import ArgumentParser
import Foundation
import Logging
import SimpulNode
import SimpulSystemd

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Sync with the aggregator.", subcommands: [Now.self])

    struct Now: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Push everything now, then pull the feed. Exit 0 only when the aggregator's receipt covers every local entry.",
            discussion: """
                With the daemon running, asks it through its control socket; otherwise syncs in this process. \
                After a transport error or a 5xx it exits non-zero within 30 s, unless --wait asks it to keep retrying.
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false
        @Option(help: "Keep retrying transient failures for up to this long (e.g. 90s, 10m, 1h).") var wait: String?
        @Flag(help: "Log what the sync does on stderr.") var verbose = false

        func run() async throws {
            try await Output.guarding {
                let config = try Output.loadConfig(global)
                var deadline: ContinuousClock.Instant?
                if let wait {
                    guard let seconds = parseDuration(wait) else {
                        throw NodeError(.usage, "--wait '\(wait)' is not a duration", hint: "e.g. 90s, 10m, 1h")
                    }
                    deadline = .now + .seconds(seconds)
                }
                LoggingSystem.bootstrap { LineLogHandler(label: $0, level: verbose ? .debug : .warning) }
                let logger = Logger(label: "simpul")
                let report = try await SyncClient(config: config, logger: logger).syncNow(deadline: deadline, progress: progressPrinter())
                if json { Output.json(report) }
                if report.status == "failed" {
                    throw NodeError(NodeError.Code(named: report.errorCode), report.error ?? "sync failed", hint: report.hint)
                }
                if !json {
                    Output.line(report.status == "nothing_to_push"
                        ? "nothing to push: the aggregator holds every entry (seq \(report.ackedSeq))"
                        : "pushed \(report.pushed) entries in \(report.batches) batches (\(report.bytesSent) bytes); aggregator holds seq \(report.ackedSeq)")
                    if let from = report.resentFrom { Output.note("note: the aggregator was behind; re-sent from seq \(from)") }
                    if let adopted = report.adopted { Output.line("pulled \(adopted) of this node's own entries back from the province") }
                    Output.line("feed: \(report.pulled) new event(s) from other nodes; cursor \(report.feedCursor ?? 0)")
                }
                if report.ackedSeq < report.headSeq {
                    throw NodeError(.incomplete, "the aggregator's receipt covers seq \(report.ackedSeq) of \(report.headSeq)",
                                    hint: "run 'simpul sync now' again")
                }
            }
        }

        func progressPrinter() -> (@Sendable (Int64, Int64) -> Void)? {
            guard Output.stderrIsTerminal, !json else { return nil }
            return { done, total in
                guard total > 2000 else { return }
                let width = 30
                let filled = Int(Double(width) * Double(done) / Double(max(total, 1)))
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: max(0, width - filled))
                FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total)\(done >= total ? "\n" : "")".utf8))
            }
        }

    }
}

/// `90`, `90s`, `10m`, `1h` -> seconds.
func parseDuration(_ text: String) -> Int? {
    let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600]
    if let last = text.last, let unit = units[last], let value = Int(text.dropLast()), value >= 0 { return value * unit }
    return Int(text).flatMap { $0 >= 0 ? $0 : nil }
}
