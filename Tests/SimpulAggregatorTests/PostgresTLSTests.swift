import Foundation
import SimpulAggregator
import Testing

/// The database URL's TLS settings: parsed strictly, and against a real PostgreSQL speaking TLS with a certificate of
/// a private CA, the storage connects only when `sslrootcert` names that CA.
@Suite struct PostgresURLTLSTests {
    @Test func sslrootcertIsReadAndShownAndVerifyFullIsRequire() throws {
        let url = try PostgresURL("postgres://simpul@db.internal:5432/simpul?sslmode=verify-full&sslrootcert=/etc/simpul/province-ca.pem",
                                  environment: [:])
        #expect(url.tls == .require)
        #expect(url.rootCertificateFile == "/etc/simpul/province-ca.pem")
        #expect(url.redacted == "postgres://simpul@db.internal:5432/simpul?sslmode=require&sslrootcert=/etc/simpul/province-ca.pem")
    }

    @Test(arguments: [
        ("postgres://simpul@db:5432/simpul?sslrootcert=ca.pem", "absolute path"),
        ("postgres://simpul@db:5432/simpul?sslmode=disable&sslrootcert=/ca.pem", "sslmode=disable"),
        ("postgres://simpul@db:5432/simpul?sslmode=allow", "verify-full"),
        ("postgres://simpul@db:5432/simpul?sslcert=/c.pem", "unknown parameter 'sslcert'"),
    ])
    func aTLSSettingThatCannotBeHonouredIsRefused(url: String, why: String) {
        #expect {
            try PostgresURL(url, environment: [:])
        } throws: { error in
            "\(error)".contains(why)
        }
    }
}

@Suite(.enabled(if: TestDatabase.postgresAdminURL != nil, "runs in the PostgreSQL pass (SIMPUL_TEST_POSTGRES)"))
struct PostgresTLSTests {
    static func url(_ dir: String, _ query: String) throws -> PostgresURL {
        let port = try String(contentsOfFile: dir + "/port", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try PostgresURL("postgres://simpul@127.0.0.1:\(port)/postgres?\(query)", environment: [:])
    }

    @Test func theStorageConnectsOverTLSOnlyToAServerWhoseCertificateChainsToTheNamedCA() async throws {
        try await ThrowawayCluster.with(environment: ["SIMPUL_PG_TLS": "1"]) { dir, admin in
            let trusted = try await PostgresStorage(url: Self.url(dir, "sslmode=require&sslrootcert=\(dir)/tls/ca.pem"),
                                                    poolSize: 2, operationTimeout: .seconds(3))
            try await trusted.addNodes([NodeRecord(id: "35.07.01", publicKey: "AAAA", enrolledAt: "2026-03-01T08:00:00+07:00")])
            #expect(try await trusted.node("35.07.01")?.id == "35.07.01")
            let encrypted = try TestDatabase.psql(admin, """
                SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'simpul' AND s.ssl
                """)
            #expect((Int(encrypted.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 1, "the storage's connections use TLS")

            for query in ["sslmode=require", "sslmode=require&sslrootcert=\(dir)/tls/other-ca.pem"] {
                // The system's roots, or another CA: the server's certificate is not trusted, nothing is written.
                await #expect {
                    _ = try await PostgresStorage(url: Self.url(dir, query), poolSize: 2, operationTimeout: .seconds(2))
                } throws: { error in
                    // At once, in the TLS library's words, not after the pool's retries run out.
                    let text = "\(error)"
                    return text.contains("cannot connect to the aggregator database") && text.contains("CERTIFICATE_VERIFY_FAILED")
                        && text.contains("sslrootcert=FILE")
                }
            }
            await #expect {
                _ = try await PostgresStorage(url: Self.url(dir, "sslmode=require&sslrootcert=\(dir)/tls/missing.pem"), poolSize: 2)
            } throws: { error in
                "\(error)".contains("cannot read the CA certificates in \(dir)/tls/missing.pem")
            }
        }
    }
}
