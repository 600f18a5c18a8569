import ArgumentParser
import Foundation
import SimpulAggregator
import SimpulCore

struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "Enrol, list, rekey and revoke nodes.", subcommands: [Add.self, List.self, Rekey.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrol a node (NODE_ID --public-key KEY), or many from --file (lines: node_id,public_key; all or none).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The node id: a kecamatan code, optionally -NN.") var nodeID: String?
        @Option(help: "The node's public key, as 'simpul init' printed it.") var publicKey: String?
        @Option(help: "A CSV of node_id,public_key lines for bulk enrolment.") var file: String?

        func run() async throws {
            try await Output.guarding {
                let admin = try await AggregatorAdmin(config: global.load())
                let records: [SimpulAggregator.NodeRecord]
                if let file {
                    guard nodeID == nil, publicKey == nil else { throw AggregatorError("give NODE_ID --public-key KEY or --file, not both", exitCode: 2) }
                    guard let data = FileManager.default.contents(atPath: file) else { throw AggregatorError("cannot read \(file)", exitCode: 2) }
                    records = try admin.enrolments(file: String(decoding: data, as: UTF8.self), source: file, now: Date())
                } else {
                    guard let nodeID, let publicKey else {
                        throw AggregatorError("give NODE_ID and --public-key KEY (or --file F)", exitCode: 2)
                    }
                    records = [try admin.enrolment(nodeID: nodeID, publicKey: publicKey, now: Date())]
                }
                do { try await admin.storage.addNodes(records) } catch let error as AggregatorError { throw error } catch {
                    throw AggregatorError("enrolment failed: \(error)")
                }
                Output.line("enrolled \(records.count) node(s): \(records.map(\.id).joined(separator: ", "))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List nodes: enrolled at, head seq, last seen, clock skew, state.")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print one JSON array.") var json = false

        func run() async throws {
            try await Output.guarding {
                let admin = try await AggregatorAdmin(config: global.load())
                let nodes = try await admin.storage.listNodes()
                if json { return Output.json(nodes) }
                Output.line("NODE\tSTATE\tHEAD\tBACKLOG\tLAST SEEN\tSKEW\tQUARANTINED\tENROLLED")
                for n in nodes {
                    let state = n.state.rawValue + (n.forkSeq.map { " (fork at seq \($0))" } ?? "")
                    Output.line("\(n.id)\t\(state)\t\(n.headSeq)\t\(n.reportedBacklog.map(String.init) ?? "-")\t\(n.lastSeenAt ?? "never")\t\(n.clockSkewSeconds.map { "\(Int($0))s" } ?? "-")\t\(n.quarantined)\t\(n.enrolledAt)")
                }
            }
        }
    }

    struct Rekey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a rebuilt node its new key (from 'simpul init --recover'); the old key stays on record for the entries it signed.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The node id.") var nodeID: String
        @Option(help: "The new public key, as 'simpul init --recover' printed it.") var publicKey: String
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            try await Output.guarding {
                let admin = try await AggregatorAdmin(config: global.load())
                let record = try admin.enrolment(nodeID: nodeID, publicKey: publicKey, now: Date())
                guard let before = try await admin.storage.node(nodeID) else {
                    throw AggregatorError("node \(nodeID) is not enrolled", hint: "see 'simpul-aggregator nodes list'", exitCode: 2)
                }
                try await admin.storage.rekey(node: nodeID, publicKey: record.publicKey, at: RFC3339.format(Date()))
                if json {
                    Output.json(["node_id": nodeID, "public_key": record.publicKey, "old_key_until_seq": String(before.headSeq)])
                } else {
                    Output.line("rekeyed \(nodeID): the old key stays on record for seq 1-\(before.headSeq); the node syncs with its new key now")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a node: its pushes are refused from now on; its stored log is kept.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The node id.") var nodeID: String

        func run() async throws {
            try await Output.guarding {
                let admin = try await AggregatorAdmin(config: global.load())
                guard try await admin.storage.node(nodeID) != nil else {
                    throw AggregatorError("node \(nodeID) is not enrolled", hint: "see 'simpul-aggregator nodes list'", exitCode: 2)
                }
                let changed = try await admin.revoke(nodeID, now: Date())
                Output.line(changed ? "revoked \(nodeID)" : "\(nodeID) was already revoked")
            }
        }
    }
}

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Print every stored entry of a node, verbatim, as one JSON array (no limit).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The node id.") var node: String
    @Flag(help: "JSON output (the only format; accepted for symmetry with the node).") var json = false

    func run() async throws {
        try await Output.guarding {
            let admin = try await AggregatorAdmin(config: global.load())
            guard try await admin.storage.node(node) != nil else {
                throw AggregatorError("node \(node) is not enrolled", hint: "see 'simpul-aggregator nodes list'", exitCode: 2)
            }
            let out = FileHandle.standardOutput
            out.write(Data("[".utf8))
            var after: Int64 = 0
            var first = true
            while true {
                let chunk = try await admin.storage.entries(node: node, after: after, limit: 5000)
                if chunk.isEmpty { break }
                var buffer = Data()
                for row in chunk {
                    buffer.append(contentsOf: (first ? "\n" : ",\n").utf8)
                    buffer.append(row.bytes)
                    first = false
                }
                out.write(buffer)
                after = chunk[chunk.count - 1].seq
            }
            out.write(Data("\n]\n".utf8))
        }
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Re-check every stored chain and batch signature; names node and seq on damage.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the results as JSON.") var json = false

    func run() async throws {
        try await Output.guarding {
            let admin = try await AggregatorAdmin(config: global.load())
            let results = try await StoredLogVerifier(storage: admin.storage).verifyAll()
            if json { Output.json(results) }
            let bad = results.filter { !$0.ok }
            if !json {
                for r in results where r.ok { Output.line("ok \(r.node): \(r.entries) entries in \(r.batches) signed batches") }
            }
            if let first = bad.first {
                throw AggregatorError(
                    "verification failed: node \(first.node) seq \(first.firstBadSeq ?? 0): \(first.problem ?? "")"
                        + (bad.count > 1 ? " (and \(bad.count - 1) more node(s))" : ""),
                    hint: "the stored log was altered or damaged after it arrived; restore the aggregator from its last good backup (the nodes re-send what is missing)",
                    exitCode: 6)
            }
        }
    }
}
