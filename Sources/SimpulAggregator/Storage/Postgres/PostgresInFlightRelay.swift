import Foundation
import Logging
import PostgresNIO
import Synchronization

/// In-flight push announcements between replicas through PostgreSQL's LISTEN/NOTIFY on channel `simpul_push`: one
/// pool connection listens (reconnecting after a database outage), and each announcement is one `pg_notify`.
final class PostgresInFlightRelay: InFlightRelay {
    static let channel = "simpul_push"

    let replicaID: String
    private let client: PostgresClient
    private let logger: Logger
    private let listener = Mutex<Task<Void, Never>?>(nil)

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        replicaID = String(UUID().uuidString.prefix(13)).replacingOccurrences(of: "-", with: "").lowercased()
    }

    deinit {
        listener.withLock { $0?.cancel() }
    }

    func announce(_ event: InFlightEvent) {
        let client = client, payload = event.payload
        Task {
            _ = try? await withDeadline(.seconds(2), onTimeout: { StorageUnavailable("announcing a push took over 2 s") }) {
                try await client.query("SELECT pg_notify(\(Self.channel), \(payload))").collect().count
            }
        }
    }

    func listen(_ handler: @escaping @Sendable (InFlightEvent) -> Void) {
        let client = client, logger = logger
        let task = Task {
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            for try await notification in notifications {
                                if let event = InFlightEvent(payload: notification.payload) { handler(event) }
                            }
                        }
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.notice("listening for other replicas' pushes failed; retrying in 1 s",
                                  metadata: ["error": "\(PostgresStorage.describe(error))"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        listener.withLock {
            $0?.cancel()
            $0 = task
        }
    }
}
