import Foundation
import Testing

/// `--json` on every command that prints a result, and a failure as one JSON problem on stdout with the same exit
/// status, in English whatever the terminal's language.
@Suite("--json results and problems")
struct JSONOutputTests {
    static func object(_ data: Data, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any],
                     "not one JSON object: \(String(decoding: data, as: UTF8.self))", sourceLocation: sourceLocation)
    }

    /// A problem object: type, title, detail, hint, exit_code, message (key, args, text).
    static func expectProblem(_ result: CLI.Result, type: String, exitCode: Int32, detail: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(result.status == exitCode, "\(result.stderr)", sourceLocation: sourceLocation)
        let problem = try object(result.stdout, sourceLocation: sourceLocation)
        #expect(problem["type"] as? String == type, "\(problem)", sourceLocation: sourceLocation)
        #expect((problem["exit_code"] as? NSNumber)?.int32Value == exitCode, sourceLocation: sourceLocation)
        #expect((problem["detail"] as? String)?.contains(detail) == true, "\(problem)", sourceLocation: sourceLocation)
        #expect(problem["title"] is String && problem.keys.contains("hint"), sourceLocation: sourceLocation)
        let message = try #require(problem["message"] as? [String: Any], sourceLocation: sourceLocation)
        #expect(message["key"] is String && message["text"] as? String == problem["detail"] as? String, sourceLocation: sourceLocation)
    }

    @Test("a failing command with --json prints one parseable problem on stdout (English under LANG=id_ID.UTF-8) and exits non-zero")
    func nodeProblem() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simpul-json-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try await CLI.run(["status", "--json", "--config", dir + "/missing.toml"], in: dir, environment: ["LANG": "id_ID.UTF-8"])
        try Self.expectProblem(result, type: "not_initialized", exitCode: 1, detail: "no node config at \(dir)/missing.toml")
        #expect(result.stderr.contains("simpul: galat:"), "the person still reads it on stderr: \(result.stderr)")

        let node = try await CLINode.make()
        defer { node.remove() }
        let invalid = try await node.run(["record", "--json", "--kind", "request.received", "--service", "NOPE", "--desa", "35.07.01.2001"])
        try Self.expectProblem(invalid, type: "invalid_event", exitCode: 2, detail: "service")
    }

    @Test("backup --json lists the files it wrote; into a used directory it prints a usage problem and exits 2")
    func backupJSON() async throws {
        let node = try await CLINode.make()
        defer { node.remove() }
        let target = node.dir + "/backup"
        let result = try await node.run(["backup", target, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try Self.object(result.stdout)
        #expect(object["destination"] as? String == target)
        let files = try #require(object["files"] as? [String])
        #expect(files.contains(target + "/node.db") && files.contains(target + "/node.key"), "\(files)")

        let again = try await node.run(["backup", target, "--json"])
        try Self.expectProblem(again, type: "usage", exitCode: 2, detail: "is not empty")
    }

    @Test("aggregator init, nodes add and nodes revoke print JSON with --json; an unknown node gives a problem with exit 2")
    func aggregatorJSON() async throws {
        try await LiveCluster.run(serve: false) { cluster in
            let node = try await cluster.makeNode("35.07.03", enrol: false)
            let config = ["--config", cluster.aggregatorConfig]

            let added = try await cluster.runAdmin(["nodes", "add", node.id, "--public-key", node.publicKey, "--json"])
            #expect(added.status == 0, "\(added.summary)")
            let enrolled = try Self.object(added.stdout)
            #expect((enrolled["enrolled"] as? NSNumber)?.intValue == 1)
            let nodes = try #require(enrolled["nodes"] as? [[String: Any]])
            #expect(nodes.first?["node_id"] as? String == node.id && nodes.first?["public_key"] as? String == node.publicKey)
            #expect(nodes.first?["enrolled_at"] is String)

            let twice = try await cluster.runAdmin(["nodes", "add", node.id, "--public-key", node.publicKey, "--json"])
            #expect(twice.status == 2)
            let problem = try Self.object(twice.stdout)
            #expect(problem["type"] as? String == "usage" && (problem["exit_code"] as? NSNumber)?.intValue == 2, "\(problem)")
            #expect((problem["detail"] as? String)?.contains("already enrolled") == true, "\(problem)")

            let revoked = try await cluster.runAdmin(["nodes", "revoke", node.id, "--json"])
            let first = try Self.object(revoked.stdout)
            #expect(revoked.status == 0 && first["revoked"] as? Bool == true && first["already_revoked"] as? Bool == false, "\(first)")
            let again = try Self.object(try await cluster.runAdmin(["nodes", "revoke", node.id, "--json"]).stdout)
            #expect(again["already_revoked"] as? Bool == true)

            let unknown = try await cluster.spawn("simpul-aggregator", ["nodes", "revoke", "35.07.99", "--json"] + config,
                                                  environment: ["LANG": "id_ID.UTF-8"]).finish()
            #expect(unknown.status == 2, "\(unknown.summary)")
            let missing = try Self.object(unknown.stdout)
            #expect(missing["type"] as? String == "usage" && missing["detail"] as? String == "node 35.07.99 is not enrolled", "\(missing)")
            #expect(missing["hint"] as? String == "see 'simpul-aggregator nodes list'")

            let fresh = cluster.aggregatorDir + "-second"
            let initialised = try await cluster.spawn("simpul-aggregator", ["init", "--data-dir", fresh, "--config", fresh + ".toml", "--json"]).finish()
            #expect(initialised.status == 0, "\(initialised.summary)")
            let setup = try Self.object(initialised.stdout)
            #expect(setup["config"] as? String == fresh + ".toml" && setup["data_dir"] as? String == fresh, "\(setup)")
            #expect((setup["public_key"] as? String)?.isEmpty == false && setup["database"] is String)
        }
    }
}
