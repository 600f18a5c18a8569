import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import SimpulCore
import SimpulSystemd

/// `simpul-aggregator serve`: the HTTP app under a ServiceGroup, with systemd readiness and watchdog.
/// Exits cleanly on SIGTERM/SIGINT.
public enum AggregatorServer {
    public static func run(config: AggregatorConfig, logger: Logger) async throws {
        let notifier = SystemdNotifier()
        let storage = try await openStorage(config, logger: logger, notifier: notifier)
        let signingKey = try AggregatorAdmin.loadSigningKey(config)
        try await AggregatorAdmin.checkSigningKey(signingKey, storage: storage)
        let ingest = PushIngest(storage: storage, rules: try config.rules(), limits: config.limits, signingKey: signingKey)
        let rules = try config.rulesDocument()
        if try await storage.publishRules(rules, at: RFC3339.format(Date())) {
            logger.info("rules published to every node's feed", metadata: ["rules.version": "\(rules.version)"])
        }
        let app = AggregatorApp(ingest: ingest, dashboardToken: config.dashboardToken)
        guard let address = ListenAddress(config.listen) else {
            throw AggregatorError(Message(.aggListenInvalid, ["listen": config.listen]), exitCode: 2)
        }
        var application = Application(
            router: app.router(),
            server: .http1(configuration: connectionLimits(config, logger: logger)),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "simpul-aggregator",
                                 availableConnectionsDelegate: MaximumAvailableConnections(config.maxConnections)),
            onServerRunning: { channel in
                let bound = channel.localAddress.map { "\($0.ipAddress ?? address.host):\($0.port ?? address.port)" } ?? config.listen
                logger.info("serve listening", metadata: ["address": "\(bound)", "database": "\(config.databaseDescription)"])
                notifier.notify("READY=1\nSTATUS=listening on \(bound)")
            },
            logger: logger)
        if config.updateFigures {
            application.addServices(FigureUpdater(storage: storage, logger: logger))
        } else {
            logger.notice("figures are not updated by this server (update_figures = false)")
        }
        if let interval = notifier.watchdogInterval {
            application.addServices(WatchdogService(notifier: notifier, interval: interval))
        }
        try await application.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        notifier.notify("STOPPING=1")
        logger.info("serve stopped")
    }

    /// Opens the storage; a PostgreSQL database that cannot be reached yet (a data centre starting up, or down) is
    /// waited for, every 2 s, with the reason in systemd's status and the start timeout extended, instead of exiting
    /// into systemd's restart limit. SQLite fails at once: its problems are local and need a person.
    static func openStorage(_ config: AggregatorConfig, logger: Logger, notifier: SystemdNotifier) async throws -> any AggregatorStorage {
        var attempts = 0
        while true {
            let failure: AggregatorError
            do {
                return try await StorageBackend.open(config, logger: logger)
            } catch {
                failure = error
            }
            guard !config.database.isEmpty else { throw failure }
            attempts += 1
            if attempts == 1 || attempts % 30 == 0 {
                logger.warning("waiting for the database; retrying every 2 s", metadata: [
                    "database": "\(config.databaseDescription)", "error": "\(failure.message)", "attempts": "\(attempts)",
                ])
            }
            notifier.notify("STATUS=waiting for the database \(config.databaseDescription): \(failure.message)\nEXTEND_TIMEOUT_USEC=10000000")
            try await Task.sleep(for: .seconds(2))
        }
    }

    /// What bounds a connection's time: the idle timeout between requests and the deadline of each request.
    static func connectionLimits(_ config: AggregatorConfig, logger: Logger) -> HTTP1Channel.Configuration {
        let deadline = TimeAmount.seconds(Int64(config.requestTimeoutSeconds))
        return .init(
            additionalChannelHandlers: [ParserErrorProblemHandler(), RequestDeadlineHandler(timeout: deadline, logger: logger)],
            idleTimeout: config.idleTimeoutSeconds > 0 ? .seconds(Int64(config.idleTimeoutSeconds)) : nil)
    }
}
