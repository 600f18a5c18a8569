import Foundation
import HTTPTypes
import HummingbirdTesting
import SimpulAggregator
import SimpulCore
import Testing

/// The dashboard's optional read token, and the API description served by the aggregator itself.
@Suite struct DashboardAccessTests {
    static let token = "k3camatan-read-0123456789abcdef"

    @Test("with dashboard_token set: 401 without it; a bearer header or the cookie a ?token= visit sets opens the page")
    func theReadToken() async throws {
        let h = try await AggregatorHarness.make(dashboardToken: Self.token)
        try await h.test { client in
            let refused = try await client.execute(uri: "/?area=35", method: .get)
            #expect(refused.status == .unauthorized)
            #expect(String(buffer: refused.body).contains("\"type\":\"token-required\""))
            let wrong = try await client.execute(uri: "/?token=not-the-token-at-all-0000", method: .get)
            #expect(wrong.status == .unauthorized)

            var bearer = HTTPFields()
            bearer[.authorization] = "Bearer \(Self.token)"
            let page = try await client.execute(uri: "/?area=35", method: .get, headers: bearer)
            #expect(page.status == .ok && String(buffer: page.body).contains("Jawa Timur"))

            let visit = try await client.execute(uri: "/?area=35.07&lang=en&token=\(Self.token)", method: .get)
            #expect(visit.status == .seeOther)
            #expect(visit.headers[.location] == "/?area=35.07&lang=en", "the token leaves the address bar")
            let cookie = try #require(visit.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            var withCookie = HTTPFields()
            withCookie[.cookie] = "other=1; " + String(cookie.prefix { $0 != ";" })
            let again = try await client.execute(uri: "/?area=35.07&lang=en", method: .get, headers: withCookie)
            #expect(again.status == .ok && String(buffer: again.body).contains("Kabupaten Malang"))
            // The rest of the API is not behind the token.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test("a token that would not survive a cookie is refused at config time")
    func aBadTokenIsAConfigError() throws {
        for bad in ["short", "has space in it 0123456789", "semi;colon-0123456789abcdef"] {
            #expect(throws: ConfigError.self) {
                try AggregatorConfig.parse(toml: "data_dir = \"/tmp/x\"\ndashboard_token = \"\(bad)\"\n", source: "test")
            }
        }
        let ok = try AggregatorConfig.parse(toml: "data_dir = \"/tmp/x\"\ndashboard_token = \"\(Self.token)\"\n", source: "test")
        #expect(ok.dashboardToken == Self.token)
    }

    @Test("GET /openapi.yaml is docs/openapi.yaml")
    func theAPIDescriptionIsServed() async throws {
        let h = try await AggregatorHarness.make()
        try await h.test { client in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok && response.headers[.contentType] == "application/yaml")
            let file = try String(contentsOf: OpenAPIContractTests.documentURL, encoding: .utf8)
            #expect(String(buffer: response.body) == file, "run scripts/generate-embedded-data.py after editing docs/openapi.yaml")
        }
    }
}
