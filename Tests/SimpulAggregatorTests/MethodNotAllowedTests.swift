import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SimpulAggregator
import SimpulCore
import Testing

/// A known route asked with another method: 405 with `Allow`, a problem body; an unknown path stays 404.
@Suite struct MethodNotAllowedTests {
    @Test func aKnownRouteWithTheWrongMethodIs405WithAllow() async throws {
        let h = try await AggregatorHarness.make()
        try await h.test { client in
            let push = try await client.execute(uri: "/v1/nodes/35.07.01/push", method: .get)
            #expect(push.status.code == 405)
            #expect(push.headers[.allow] == "POST")
            #expect((try jsonObject(push))["type"] as? String == "method-not-allowed")
            let limits = try await client.execute(uri: "/v1/limits", method: .delete)
            #expect(limits.status.code == 405 && limits.headers[.allow] == "GET")
            let recover = try await client.execute(uri: "/v1/nodes/DISDUKCAPIL.35.07/recover", method: .put)
            #expect(recover.status.code == 405 && recover.headers[.allow] == "POST")
            let unknown = try await client.execute(uri: "/v1/nodes/35.07.01/nothing", method: .get)
            #expect(unknown.status.code == 404)
        }
    }

    @Test func headIsNotAdvertisedAndItsAnswersCarryNoBody() async throws {
        let h = try await AggregatorHarness.make()
        try await h.test { client in
            for path in ["/healthz", "/v1/limits", "/metrics", "/"] {
                let head = try await client.execute(uri: path, method: .head)
                #expect(head.status.code == 405 && head.headers[.allow] == "GET" && head.body.readableBytes == 0, "HEAD \(path): \(head.status)")
            }
            // HEAD on a route that serves only POST: 405, naming POST.
            let push = try await client.execute(uri: "/v1/nodes/35.07.01/push", method: .head)
            #expect(push.status.code == 405 && push.headers[.allow] == "POST" && push.body.readableBytes == 0)
        }
    }
}
