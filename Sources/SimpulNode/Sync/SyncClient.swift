import Foundation
import Logging
import SimpulCore

/// What `simpul sync now` runs: through the daemon when one is running, otherwise in this process
/// (under the same lock), retrying transient failures until `deadline` when one is given.
public struct SyncClient: Sendable {
    public let config: NodeConfig
    public let logger: Logger

    public init(config: NodeConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func syncNow(deadline: ContinuousClock.Instant?, progress: (@Sendable (Int64, Int64) -> Void)?) async throws(NodeError) -> SyncReport {
        if let report = try await ControlClient(config: config).requestSync(deadline: deadline) {
            return report
        }
        let context = try NodeContext.open(config: config)
        let keys = try NodeKeys.load(config)
        let engine = SyncEngine(context: context, signingKey: keys.signing, transport: CurlTransport(config: config.sync), logger: logger)
        var backoff = Backoff(base: .seconds(1), cap: .seconds(30))
        while true {
            do {
                return try await engine.syncOnce(progress: progress)
            } catch {
                guard error.isRetryable, let deadline else {
                    return .failed(error, store: context.store)
                }
                let delay = backoff.next()
                guard ContinuousClock.now + delay < deadline else {
                    return .failed(error, store: context.store)
                }
                logger.warning("sync failed; retrying", metadata: ["sync.error": "\(error.message)", "sync.retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
    }
}
