import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SimpulAggregator
import SimpulCore
import Testing

/// docs/openapi.yaml is the API as served: the same routes, the same status codes, and every `required`
/// property present in real responses (and nothing the schema does not list).
@Suite struct OpenAPIContractTests {
    static let documentURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/openapi.yaml")

    /// The parts of the document the tests need, read with a line scan (the file keeps a plain two-space layout
    /// and flow-style `required: [...]` lists so no YAML parser is needed).
    struct Document {
        /// "GET /v1/nodes/{node}/head" -> documented response status codes.
        var operations: [String: Set<Int>] = [:]
        var schemas: [String: (required: [String], properties: Set<String>)] = [:]

        init(text: String) throws {
            var section = ""
            var path: String?
            var operation: String?
            var inSchemas = false
            var schema: String?
            var inProperties = false
            let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
            for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let line = String(raw)
                if line.contains("\t") { throw HarnessError("tab in openapi.yaml: \(line)") }
                let indent = line.prefix { $0 == " " }.count
                let body = line.dropFirst(indent)
                if body.isEmpty || body.hasPrefix("#") { continue }
                if indent == 0 {
                    section = String(body)
                    continue
                }
                switch section {
                case "paths:":
                    if indent == 2, body.hasPrefix("/"), body.hasSuffix(":") {
                        path = String(body.dropLast())
                        operation = nil
                    } else if indent == 4, body.hasSuffix(":"), methods.contains(String(body.dropLast())), let path {
                        let key = "\(body.dropLast().uppercased()) \(path)"
                        operation = key
                        operations[key] = []
                    } else if indent == 8, let operation, body.count == 6, body.hasPrefix("'"), body.hasSuffix("':"),
                              let code = Int(body.dropFirst().prefix(3)) {
                        operations[operation]?.insert(code)
                    }
                case "components:":
                    if indent == 2 {
                        inSchemas = body == "schemas:"
                        schema = nil
                    } else if inSchemas, indent == 4, body.hasSuffix(":") {
                        schema = String(body.dropLast())
                        schemas[schema!] = ([], [])
                        inProperties = false
                    } else if inSchemas, indent == 6, let schema {
                        inProperties = body == "properties:"
                        if body.hasPrefix("required: ["), body.hasSuffix("]") {
                            schemas[schema]?.required = body.dropFirst("required: [".count).dropLast()
                                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                        }
                    } else if inSchemas, inProperties, indent == 8, body.hasSuffix(":"), let schema {
                        schemas[schema]?.properties.insert(String(body.dropLast()))
                    }
                default:
                    break
                }
            }
        }

        /// Expects `object` to hold every required property of `name` and only listed properties.
        func check(_ object: [String: Any], against name: String, _ context: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
            guard let schema = schemas[name] else {
                Issue.record("schema \(name) is not in openapi.yaml", sourceLocation: sourceLocation)
                return
            }
            for key in schema.required {
                #expect(object[key] != nil, "\(context): \(name).\(key) is required but missing in \(object)", sourceLocation: sourceLocation)
            }
            for key in object.keys {
                #expect(schema.properties.contains(key), "\(context): '\(key)' is not a documented property of \(name)", sourceLocation: sourceLocation)
            }
        }
    }

    static func load() throws -> Document {
        try Document(text: String(contentsOf: documentURL, encoding: .utf8))
    }

    @Test func theDocumentIsOpenAPI31AndTheScanFindsItsParts() throws {
        let text = try String(contentsOf: Self.documentURL, encoding: .utf8)
        #expect(text.hasPrefix("openapi: 3.1"))
        let document = try Self.load()
        #expect(document.operations.count >= 6)
        for name in ["Receipt", "HeadResponse", "Limits", "Problem", "Head", "PushHeader"] {
            #expect(document.schemas[name]?.required.isEmpty == false, "\(name) has no required list")
        }
        // Every required property is also listed under properties.
        for (name, schema) in document.schemas {
            #expect(Set(schema.required).isSubset(of: schema.properties), "\(name): required \(schema.required) vs \(schema.properties)")
        }
    }

    @Test func everyServedRouteIsDocumentedAndEveryDocumentedRouteIsServed() async throws {
        let document = try Self.load()
        let h = try await AggregatorHarness.make()
        defer { h.remove() }
        let served = Set(h.app.router().routes.map { "\($0.method) \($0.path)" })
        let documented = Set(document.operations.keys)
        #expect(served.count == 12)
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
    }

    @Test func realResponsesCarryEveryRequiredPropertyAndOnlyDocumentedOnes() async throws {
        let document = try Self.load()
        let log = try NodeLog.recorded(5)
        let h = try await AggregatorHarness.make(enrolling: [log])
        try await h.test { client in
            let push = "POST /v1/nodes/{node}/push"
            let head = "GET /v1/nodes/{node}/head"

            /// Checks the status is documented for the operation, and the body against the schema.
            func check(_ response: TestResponse, _ operation: String, _ schema: String) throws -> [String: Any] {
                #expect(document.operations[operation]?.contains(Int(response.status.code)) == true,
                        "\(operation) answered \(response.status.code), which openapi.yaml does not list")
                let object = try jsonObject(response)
                document.check(object, against: schema, "\(operation) \(response.status.code)")
                if let nested = object["head"] as? [String: Any] { document.check(nested, against: "Head", "\(operation) problem head") }
                return object
            }

            // Limits
            let limits = try await client.execute(uri: "/v1/limits", method: .get)
            _ = try check(limits, "GET /v1/limits", "Limits")

            // Receipt: a first push, a repeated one.
            _ = try check(try await client.push(node: log.id, body: try log.body(1...2), gzip: true), push, "Receipt")
            _ = try check(try await client.push(node: log.id, body: try log.body(1...2)), push, "Receipt")

            // HeadResponse, with its nested Limits and Receipt.
            let headObject = try check(try await client.readHead(node: log.id, signer: log.key), head, "HeadResponse")
            document.check(try #require(headObject["limits"] as? [String: Any]), against: "Limits", "head limits")
            document.check(try #require(headObject["receipt"] as? [String: Any]), against: "Receipt", "head receipt")

            // A receipt with entries held in quarantine (another node, whose event names a service this aggregator lacks).
            var held = NodeLog(id: "35.07.02")
            held.append(eventJSON: try QuarantineTests.provincialService())
            let heldLog = held
            try await h.enrol([heldLog])
            let quarantined = try check(try await client.push(node: heldLog.id, body: try heldLog.body(1...1)), push, "Receipt")
            #expect((quarantined["quarantined"] as? NSNumber)?.intValue == 1)

            // Problems from both operations, including one with a head (gap).
            var headers = Wire.pushHeaders()
            headers[.contentEncoding] = "br"
            let problems: [(String, TestResponse)] = [
                (push, try await client.push(node: log.id, body: try log.body(4...5))),  // gap
                (push, try await client.push(node: log.id, body: Data("{".utf8))),  // malformed
                (push, try await client.push(node: log.id, body: try log.body(3...3), headers: Wire.pushHeaders(version: "9"))),
                (push, try await client.push(node: log.id, body: try log.body(3...3, signer: SigningKey()))),
                (push, try await client.push(node: "35.07.02", body: try log.body(3...3))),
                (push, try await client.push(node: log.id, body: try log.body(3...3), headers: headers)),
                (push, try await client.push(node: log.id, body: Data(count: AggregatorHarness.limits.maxBodyBytes + 1))),
                (head, try await client.readHead(node: log.id, signer: SigningKey())),
                (head, try await client.readHead(node: "35.07.02", signer: log.key)),
            ]
            var sawHead = false
            for (operation, response) in problems {
                #expect(response.status.code >= 400)
                let object = try check(response, operation, "Problem")
                sawHead = sawHead || object["head"] != nil
            }
            #expect(sawHead, "the gap problem carries the head")
            #expect(Set(problems.map { $0.1.status.code }).count >= 6)

            // Unknown routes are Problems too.
            let notFound = try jsonObject(try await client.execute(uri: "/v1/nodes", method: .get))
            document.check(notFound, against: "Problem", "404")

            // Health
            document.check(try jsonObject(try await client.execute(uri: "/healthz", method: .get)), against: "Health", "healthz")
            document.check(try jsonObject(try await client.execute(uri: "/readyz", method: .get)), against: "Readiness", "readyz")
        }
    }
}
