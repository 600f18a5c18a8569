/// Opens the aggregator's storage for a config: the one place that names a concrete backend. `serve` and the admin
/// commands get `any AggregatorStorage` from here, so a second backend (PostgreSQL, issue 11) is chosen in one
/// place. Today every config is SQLite under `data_dir`.
public enum StorageBackend {
    /// The storage of an aggregator that is set up; `create` makes its database (at `init`).
    public static func open(_ config: AggregatorConfig, create: Bool = false) throws(AggregatorError) -> any AggregatorStorage {
        try SQLiteStorage(path: config.databasePath, create: create)
    }
}
