import Foundation
import SimpulCore

/// Where a PostgreSQL-backed aggregator keeps its data: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]`.
///
/// `sslmode` is `disable`, `prefer` (the default: TLS when the server offers it) or `require` (also spelt
/// `verify-full`). With TLS the server's certificate is always verified, chain and host name, against the system's
/// trusted roots or, with `sslrootcert=FILE`, against the CA certificates (PEM) in that file only: a province's own
/// CA. (libpq's `require` does not verify; this one does, and there is no mode that does not.) The password may come
/// from the URL or from `PGPASSWORD`; `redacted` is what logs and messages show.
public struct PostgresURL: Sendable, Equatable {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode
    /// The PEM file of the CA certificates the server's certificate must chain to (`sslrootcert`), instead of the
    /// system's roots.
    public var rootCertificateFile: String?

    /// Parses a URL, or says what is wrong with it (never echoing a password).
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(AggregatorError) {
        func bad(_ why: String) -> AggregatorError {
            AggregatorError(Message(.aggDatabaseURLUnusable, ["reason": why]), hint: Message(.aggDatabaseURLUnusableHint), exitCode: 2)
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
        var rootCertificateFile: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                let value = item.value == "verify-full" ? "require" : item.value ?? ""
                guard let mode = TLSMode(rawValue: value) else { throw bad("sslmode must be disable, prefer, require or verify-full") }
                tls = mode
            case "sslrootcert":
                guard let path = item.value, path.hasPrefix("/") else { throw bad("sslrootcert must be an absolute path to a PEM file") }
                rootCertificateFile = path
            default:
                throw bad("unknown parameter '\(item.name)' (sslmode and sslrootcert are read)")
            }
        }
        if rootCertificateFile != nil, tls == .disable { throw bad("sslrootcert names a CA, but sslmode=disable turns TLS off") }
        self.tls = tls
        self.rootCertificateFile = rootCertificateFile
    }

    /// The URL without its password, for logs, status and errors.
    public var redacted: String {
        var query = [String]()
        if tls != .prefer { query.append("sslmode=\(tls.rawValue)") }
        if let rootCertificateFile { query.append("sslrootcert=\(rootCertificateFile)") }
        return "postgres://\(user)@\(host):\(port)/\(database)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }
}
