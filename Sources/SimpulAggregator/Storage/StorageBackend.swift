import Logging

/// Opens the aggregator's storage for a config: the one place that names a concrete backend. `serve`, the admin
/// commands and the tests get `any AggregatorStorage` from here. `database` in the config chooses PostgreSQL
/// (several replicas on one database); without it, SQLite under `data_dir`.
public enum StorageBackend {
    /// The storage of an aggregator that is set up; `create` makes its database (at `init`; on PostgreSQL the schema is
    /// made by whoever connects first, under a lock).
    /// `operationTimeout`: how long one PostgreSQL operation may take before it is answered as unavailable (`serve`
    /// keeps requests short; admin commands such as `quarantine recheck` may do more at once).
    public static func open(_ config: AggregatorConfig, create: Bool = false, operationTimeout: Duration = .seconds(10),
                            logger: Logger = Logger(label: "simpul-aggregator.storage")) async throws(AggregatorError) -> any AggregatorStorage {
        if config.database.isEmpty {
            return try SQLiteStorage(path: config.databasePath, create: create)
        }
        return try await PostgresStorage(url: try PostgresURL(config.database), poolSize: config.databasePoolSize,
                                         operationTimeout: operationTimeout, logger: logger)
    }
}
