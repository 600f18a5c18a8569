import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SimpulCore
import SimpulSystemd

/// `simpul-aggregator serve`: the HTTP app under a ServiceGroup, with systemd readiness and watchdog.
/// Exits cleanly on SIGTERM/SIGINT.
public enum AggregatorServer {
    public static func run(config: AggregatorConfig, logger: Logger) async throws {
        let storage = try SQLiteStorage(path: config.databasePath)
        let ingest = PushIngest(storage: storage, rules: try config.rules(), limits: config.limits,
                                signingKey: try AggregatorAdmin.loadSigningKey(config))
        let rules = try config.rulesDocument()
        if try await storage.publishRules(rules, at: RFC3339.format(Date())) {
            logger.info("rules published to every node's feed", metadata: ["rules.version": "\(rules.version)"])
        }
        let app = AggregatorApp(ingest: ingest)
        guard let address = ListenAddress(config.listen) else {
            throw AggregatorError("listen '\(config.listen)' is not HOST:PORT", exitCode: 2)
        }
        let notifier = SystemdNotifier()
        var application = Application(
            router: app.router(),
            // Off by default (0): with Hummingbird's idle timeout on, a node's sync over a reused connection was seen
            // to hang in the test suite; see docs/security.md, "Not yet covered".
            server: .http1(configuration: .init(idleTimeout: config.idleTimeoutSeconds > 0 ? .seconds(Int64(config.idleTimeoutSeconds)) : nil)),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "simpul-aggregator"),
            onServerRunning: { channel in
                let bound = channel.localAddress.map { "\($0.ipAddress ?? address.host):\($0.port ?? address.port)" } ?? config.listen
                logger.info("serve listening", metadata: ["address": "\(bound)", "database": "\(config.databasePath)"])
                notifier.notify("READY=1\nSTATUS=listening on \(bound)")
            },
            logger: logger)
        if let interval = notifier.watchdogInterval {
            application.addServices(WatchdogService(notifier: notifier, interval: interval))
        }
        try await application.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        notifier.notify("STOPPING=1")
        logger.info("serve stopped")
    }
}
