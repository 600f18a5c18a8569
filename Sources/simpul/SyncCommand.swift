import ArgumentParser
import SimpulCore
import Foundation
import Logging
import SimpulNode
import SimpulSystemd

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: tr(.helpSync), subcommands: [Now.self])

    struct Now: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: tr(.helpSyncNow),
            discussion: tr(.discSyncNow))

        @OptionGroup var global: GlobalOptions
        @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false
        @Option(help: ArgumentHelp(tr(.optWait))) var wait: String?
        @Flag(help: ArgumentHelp(tr(.optVerbose))) var verbose = false

        func run() async throws {
            try await Output.guarding(json: json) {
                let config = try Output.loadConfig(global)
                var deadline: ContinuousClock.Instant?
                if let wait {
                    guard let seconds = parseDuration(wait) else {
                        throw NodeError(.usage, Message(.waitInvalid, ["value": wait]), hint: Message(.waitInvalidHint))
                    }
                    deadline = .now + .seconds(seconds)
                }
                LoggingSystem.bootstrap { LineLogHandler(label: $0, level: verbose ? .debug : .warning) }
                let logger = Logger(label: "simpul")
                let report = try await SyncClient(config: config, logger: logger).syncNow(deadline: deadline, progress: progressPrinter())
                if json { Output.json(report) }
                if report.status == "failed" { throw report.failure }
                if !json {
                    Output.line(report.status == "nothing_to_push"
                        ? tr(.nothingToPush, ["seq": report.ackedSeq])
                        : tr(.pushedSummary, ["pushed": report.pushed, "batches": report.batches, "bytes": report.bytesSent, "seq": report.ackedSeq]))
                    if let from = report.resentFrom { Output.note(tr(.resentFrom, ["seq": from])) }
                    if let adopted = report.adopted { Output.line(tr(.adoptedBack, ["count": adopted])) }
                    Output.line(tr(.feedPulled, ["count": report.pulled, "cursor": report.feedCursor ?? 0]))
                }
                if report.ackedSeq < report.headSeq {
                    throw NodeError(.incomplete, Message(.receiptIncomplete, ["acked": report.ackedSeq, "head": report.headSeq]),
                                    hint: Message(.runSyncAgain))
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
