import Foundation
import Logging
import ServiceLifecycle
import SimpulCore

/// Keeps the figures up to date as entries arrive: a job beside the server that takes in what was stored since its
/// last run (`FigureStorage.updateFigures`), a bounded slice at a time and paced, so the push path pays nothing
/// and a backlog (a restore, a migration, a burst of offices coming online) is caught up without starving pushes.
public struct FigureUpdater: Service {
    let storage: any AggregatorStorage
    let logger: Logger

    /// Entries one update takes in at most (one transaction).
    public static let entriesPerUpdate = 2_000
    /// The pause after an update that left more waiting, and after one that found the figures up to date.
    static let busyPause = Duration.milliseconds(100)
    static let idlePause = Duration.seconds(1)

    public init(storage: any AggregatorStorage, logger: Logger) {
        self.storage = storage
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                var pause = Self.idlePause
                do {
                    let taken = try await Self.update(storage)
                    if failures > 0 { logger.info("figures updating again", metadata: ["failures": "\(failures)"]) }
                    failures = 0
                    if taken >= Self.entriesPerUpdate { pause = Self.busyPause }
                } catch is CancellationError {
                    return
                } catch {
                    failures += 1
                    if failures == 1 || failures % 60 == 0 {
                        logger.warning("figures not updated; retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
                    }
                    pause = .seconds(min(30, failures))
                }
                try? await Task.sleep(for: pause)
            }
        }
    }

    /// One update of at most `maxEntries` entries; answers how many it took in.
    @discardableResult
    public static func update(_ storage: any AggregatorStorage, maxEntries: Int = entriesPerUpdate) async throws -> Int {
        try await storage.updateFigures(maxEntries: maxEntries) { FigureChanges.fold($0) }
    }

    /// Updates until the figures are up to date (`export`, tests); answers how many entries and cases it took in.
    @discardableResult
    public static func catchUp(_ storage: any AggregatorStorage) async throws -> Int {
        var total = 0
        while true {
            let taken = try await update(storage)
            if taken == 0 { return total }
            total += taken
        }
    }
}
