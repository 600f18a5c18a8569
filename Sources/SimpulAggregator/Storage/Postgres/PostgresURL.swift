import Foundation

/// Where a PostgreSQL-backed aggregator keeps its data: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]`.
///
/// `sslmode` is `disable`, `prefer` (the default: TLS when the server offers it) or `require`. The password may
/// come from the URL or from `PGPASSWORD`; `redacted` is what logs and messages show.
public struct PostgresURL: Sendable, Equatable {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode

    /// Parses a URL, or says what is wrong with it (never echoing a password).
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(AggregatorError) {
        func bad(_ why: String) -> AggregatorError {
            AggregatorError("the database URL is not usable: \(why)",
                            hint: "write it as postgres://USER@HOST:PORT/DATABASE (password in PGPASSWORD or after USER:)", exitCode: 2)
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"), let components = URLComponents(string: text) else {
            throw bad("it must start with postgres://")
        }
        guard let user = components.user, !user.isEmpty else { throw bad("it names no user") }
        guard let host = components.host, !host.isEmpty else { throw bad("it names no host") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw bad("it names no database (the path after the host)") }
        self.user = user
        self.password = components.password ?? environment["PGPASSWORD"]
        self.host = host
        self.port = components.port ?? 5432
        self.database = database
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else { throw bad("unknown parameter '\(item.name)' (only sslmode is read)") }
            guard let mode = TLSMode(rawValue: item.value ?? "") else { throw bad("sslmode must be disable, prefer or require") }
            tls = mode
        }
        self.tls = tls
    }

    /// The URL without its password, for logs, status and errors.
    public var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)" + (tls == .prefer ? "" : "?sslmode=\(tls.rawValue)") }
}
