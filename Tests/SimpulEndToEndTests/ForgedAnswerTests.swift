import Foundation
import SimpulCore
import Testing

/// A forged answer from whatever sits at the aggregator's URL is a transport failure: never a crash, never a false
/// "done", nothing changed.
@Suite("Forged aggregator answers (live)", .serialized)
struct ForgedAnswerTests {
    static let saneLimits = ["max_body_bytes": 4 << 20, "max_decompressed_bytes": 16 << 20, "max_entries": 5000, "max_entry_bytes": 16 << 10]

    @Test("limits no aggregator can have (Int.min), and a head that differs from its own signed receipt: exit 3, no crash, nothing sent",
          arguments: ["limits", "head"])
    func forgedHeadAnswers(kind: String) async throws {
        try await LiveCluster.run(serve: false) { cluster in
            let node = try await cluster.makeNode(enrol: false)
            try await node.record(3)
            var limits = Self.saneLimits
            if kind == "limits" { limits["max_decompressed_bytes"] = Int.min }
            let forged = try ForgedAggregator(answer: try ForgedAggregator.headAnswer(
                node: node.id, key: SigningKey(), seq: kind == "head" ? 3 : 0, limits: limits))
            defer { forged.stop() }
            let config = try String(contentsOfFile: node.config, encoding: .utf8)
            try config.replacingOccurrences(of: cluster.url, with: "http://127.0.0.1:\(forged.port)").write(toFile: node.config, atomically: true, encoding: .utf8)

            let sync = try await node.sync()
            #expect(!sync.result.signalled, "the node crashed on a forged answer: \(sync.result.summary)")
            #expect(sync.status == 3 && sync.report?.errorCode == "server_error", "\(sync.result.summary)")
            #expect(sync.report?.ackedSeq == 0 && sync.report?.headSeq == 3, "a forged answer must not count as done")
            let status = try await node.status()
            #expect((status["acked_seq"] as? NSNumber)?.intValue == 0 && (status["backlog"] as? NSNumber)?.intValue == 3)
        }
    }
}

/// `init --aggregator-key` pins the province's key from the start: an impostor's first answer is refused, not trusted.
@Suite("Pinned aggregator key at init (live)", .serialized)
struct PinnedKeyTests {
    @Test("a node set up with another aggregator key refuses the aggregator's answers (exit 4); one with the right key syncs")
    func keyPinnedAtInit() async throws {
        try await LiveCluster.run { cluster in
            let keyText = try String(contentsOfFile: cluster.aggregatorDir + "/aggregator.key", encoding: .utf8)
            let real = try SigningKey(base64: keyText).publicKey.base64
            for (id, key, expected) in [("35.07.01", SigningKey().publicKey.base64, Int32(4)), ("35.07.02", real, Int32(0))] {
                let dir = cluster.dir + "/pinned-\(id)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                let made = try await cluster.spawn("simpul", ["init", "--node-id", id, "--aggregator", cluster.url, "--data-dir", dir,
                                                              "--config", dir + "/node.toml", "--aggregator-key", key, "--json"], in: dir).finish()
                try #require(made.status == 0, "\(made.summary)")
                let object = try #require(try JSONSerialization.jsonObject(with: made.stdout) as? [String: Any])
                let node = LiveNode(cluster: cluster, id: id, dir: dir, publicKey: try #require(object["public_key"] as? String))
                try await cluster.enrol(node)
                try await node.record(2)
                let sync = try await node.sync()
                #expect(sync.status == expected, "\(id): \(sync.result.summary)")
                if expected != 0 { #expect(sync.result.stderr.contains("another key"), "\(sync.result.stderr)") }
            }
            let bad = try await cluster.spawn("simpul", ["init", "--node-id", "35.07.03", "--aggregator", cluster.url, "--data-dir",
                                                         cluster.dir + "/bad", "--config", cluster.dir + "/bad.toml", "--aggregator-key", "nope"]).finish()
            #expect(bad.status == 2 && bad.stderr.contains("aggregator-key"), "\(bad.summary)")
        }
    }
}
