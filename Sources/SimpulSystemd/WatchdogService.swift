import ServiceLifecycle

/// Pings systemd's watchdog at the interval it asked for, until graceful shutdown.
///
/// A process that hangs stops pinging, and systemd restarts it (`WatchdogSec=`).
public struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let interval: Duration
    let isHealthy: @Sendable () async -> Bool

    public init(notifier: SystemdNotifier, interval: Duration, isHealthy: @escaping @Sendable () async -> Bool = { true }) {
        self.notifier = notifier
        self.interval = interval
        self.isHealthy = isHealthy
    }

    func gracefulShutdownAwareSleep(_ duration: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }

    public func run() async throws {
        notifier.notify("WATCHDOG=1")
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await gracefulShutdownAwareSleep(interval)
            if Task.isShuttingDownGracefully { break }
            if await isHealthy() { notifier.notify("WATCHDOG=1") }
        }
    }
}
