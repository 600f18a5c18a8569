import Foundation
import Logging
import ServiceLifecycle
import SimpulCore
import SimpulSystemd

/// `simpul daemon`: the systemd service (Type=notify). Opens the store, listens on the control socket,
/// then says READY=1; syncs on schedule; pings the watchdog; stops gracefully on SIGTERM/SIGINT.
public enum NodeDaemon {
    public static func run(config: NodeConfig, logger: Logger) async throws(NodeError) {
        let context = try NodeContext.open(config: config)
        let keys = try NodeKeys.load(config)
        let recorder = try Recorder(context: context)
        let notifier = SystemdNotifier()
        let engine = SyncEngine(context: context, signingKey: keys.signing, transport: CurlTransport(config: config.sync), logger: logger)
        var quick = config.sync
        quick.connectTimeoutSeconds = min(quick.connectTimeoutSeconds, 3)
        quick.requestTimeoutSeconds = min(quick.requestTimeoutSeconds, 8)
        var finalPush = SyncEngine(context: context, signingKey: keys.signing, transport: CurlTransport(config: quick), logger: logger)
        finalPush.pullsFeed = false  // stopping: send what is queued, leave the feed for the next start
        let settings = SyncSchedule.Settings(
            interval: .seconds(config.sync.intervalSeconds), debounce: .seconds(config.sync.debounceSeconds),
            backoffBase: .seconds(5), backoffCap: .seconds(config.sync.backoffMaxSeconds))
        let driver = SyncDriver(engine: engine, finalPushEngine: finalPush, settings: settings, notifier: notifier, logger: logger)
        let socketPath = config.controlSocketPath()
        let listenFD = try ControlServer.bind(path: socketPath)
        var services: [any Service] = [
            SyncDriverService(driver: driver),
            ControlServer(listenFD: listenFD, path: socketPath, driver: driver, context: context, recorder: recorder),
        ]
        if let address = HostPort(config.daemon.apiListen) {
            let apiFD = try LocalAPIServer.bind(address)
            if LocalAPIToken.read(config) == nil { try LocalAPIToken.rotate(config) }  // nodes set up before the token existed
            let access = LocalAPIGuard(listen: address, allowedOrigins: config.daemon.apiAllowedOrigins, token: { LocalAPIToken.read(config) })
            services.append(LocalAPIServer(listenFD: apiFD, driver: driver, context: context, recorder: recorder, access: access))
        }
        if let interval = notifier.watchdogInterval {
            services.append(WatchdogService(notifier: notifier, interval: interval, isHealthy: { await driver.ping() }))
        }
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("daemon started", metadata: [
            "node": "\(config.nodeID)", "control_socket": "\(socketPath)", "aggregator": "\(config.aggregatorURL)",
            "sync.interval_seconds": "\(config.sync.intervalSeconds)", "local_api": "\(config.daemon.apiListen.isEmpty ? "off" : config.daemon.apiListen)",
        ])
        if let warning = config.plainHTTPWarning { logger.warning("insecure aggregator URL", metadata: ["warning": "\(warning)"]) }
        notifier.notify("READY=1")
        do { try await group.run() } catch {
            throw NodeError(.storage, Message(.daemonStopped, ["error": "\(error)"]), hint: Message(.seeJournal))
        }
        logger.info("daemon stopped")
    }
}
