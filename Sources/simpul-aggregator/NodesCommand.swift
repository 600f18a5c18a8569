import ArgumentParser
import Foundation
import SimpulAggregator
import SimpulCore

struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: tr(.aggHelpNodes), subcommands: [Add.self, List.self, Rekey.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: tr(.aggHelpNodesAdd))

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(tr(.optNodeIDEnrol))) var nodeID: String?
        @Option(help: ArgumentHelp(tr(.optPublicKey))) var publicKey: String?
        @Option(help: ArgumentHelp(tr(.optEnrolFile))) var file: String?
        @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false

        func run() async throws {
            try await Output.guarding(json: json) {
                let admin = try await AggregatorAdmin(config: global.load())
                let records: [SimpulAggregator.NodeRecord]
                if let file {
                    guard nodeID == nil, publicKey == nil else { throw AggregatorError(Message(.aggNodesBothForms), exitCode: 2) }
                    guard let data = FileManager.default.contents(atPath: file) else { throw AggregatorError(Message(.cannotRead, ["path": file]), exitCode: 2) }
                    records = try admin.enrolments(file: String(decoding: data, as: UTF8.self), source: file, now: Date())
                } else {
                    guard let nodeID, let publicKey else {
                        throw AggregatorError(Message(.aggNodesAddMissing), exitCode: 2)
                    }
                    records = [try admin.enrolment(nodeID: nodeID, publicKey: publicKey, now: Date())]
                }
                do { try await admin.storage.addNodes(records) } catch let error as AggregatorError { throw error } catch {
                    throw AggregatorError(Message(.aggEnrolFailed, ["error": "\(error)"]))
                }
                if json { return Output.json(EnrolResult(enrolled: records.count, nodes: records.map(EnrolResult.Node.init))) }
                if json { return Output.json(EnrolResult(enrolled: records.count, nodes: records.map(EnrolResult.Node.init))) }
                Output.line(tr(.aggEnrolled, ["count": records.count, "nodes": records.map(\.id).joined(separator: ", ")]))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: tr(.aggHelpNodesList))

        @OptionGroup var global: GlobalOptions
        @Flag(help: ArgumentHelp(tr(.jsonArrayHelp))) var json = false

        func run() async throws {
            try await Output.guarding(json: json) {
                let admin = try await AggregatorAdmin(config: global.load())
                let nodes = try await admin.storage.listNodes()
                if json { return Output.json(nodes) }
                Output.line(tr(.aggNodesHeader))
                for n in nodes {
                    let state = n.state.rawValue + (n.forkSeq.map { tr(.aggForkAt, ["seq": $0]) } ?? "")
                    Output.line("\(n.id)\t\(state)\t\(n.headSeq)\t\(n.reportedBacklog.map(String.init) ?? "-")\t\(n.lastSeenAt ?? tr(.statusNever))\t\(n.clockSkewSeconds.map { "\(Int($0))s" } ?? "-")\t\(n.quarantined)\t\(n.enrolledAt)")
                }
            }
        }
    }

    struct Rekey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: tr(.aggHelpNodesRekey))

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(tr(.optNodeID))) var nodeID: String
        @Option(help: ArgumentHelp(tr(.optNewPublicKey))) var publicKey: String
        @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false

        func run() async throws {
            try await Output.guarding(json: json) {
                let admin = try await AggregatorAdmin(config: global.load())
                let record = try admin.enrolment(nodeID: nodeID, publicKey: publicKey, now: Date())
                guard let before = try await admin.storage.node(nodeID) else {
                    throw AggregatorError(Message(.aggNotEnrolled, ["node": nodeID]), hint: Message(.aggSeeNodesList), exitCode: 2)
                }
                try await admin.storage.rekey(node: nodeID, publicKey: record.publicKey, at: RFC3339.format(Date()))
                if json {
                    Output.json(["node_id": nodeID, "public_key": record.publicKey, "old_key_until_seq": String(before.headSeq)])
                } else {
                    Output.line(tr(.aggRekeyed, ["node": nodeID, "seq": before.headSeq]))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: tr(.aggHelpNodesRevoke))

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(tr(.optNodeID))) var nodeID: String
        @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false

        func run() async throws {
            try await Output.guarding(json: json) {
                let admin = try await AggregatorAdmin(config: global.load())
                guard try await admin.storage.node(nodeID) != nil else {
                    throw AggregatorError(Message(.aggNotEnrolled, ["node": nodeID]), hint: Message(.aggSeeNodesList), exitCode: 2)
                }
                let changed = try await admin.revoke(nodeID, now: Date())
                if json { return Output.json(RevokeResult(nodeID: nodeID, revoked: true, alreadyRevoked: !changed)) }
                if json { return Output.json(RevokeResult(nodeID: nodeID, revoked: true, alreadyRevoked: !changed)) }
                Output.line(tr(changed ? .aggRevokedDone : .aggAlreadyRevoked, ["node": nodeID]))
            }
        }
    }
}

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: tr(.aggHelpEvents))

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp(tr(.optNodeID))) var node: String
    @Flag(help: ArgumentHelp(tr(.optEventsJSON))) var json = false

    func run() async throws {
        try await Output.guarding(json: json) {
            let admin = try await AggregatorAdmin(config: global.load())
            guard try await admin.storage.node(node) != nil else {
                throw AggregatorError(Message(.aggNotEnrolled, ["node": node]), hint: Message(.aggSeeNodesList), exitCode: 2)
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
        commandName: "verify", abstract: tr(.aggHelpVerify))

    @OptionGroup var global: GlobalOptions
    @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false

    func run() async throws {
        try await Output.guarding(json: json) {
            let admin = try await AggregatorAdmin(config: global.load())
            let results = try await StoredLogVerifier(storage: admin.storage).verifyAll()
            if json { Output.json(results) }
            let bad = results.filter { !$0.ok }
            if !json {
                for r in results where r.ok { Output.line(tr(.aggVerifyOK, ["node": r.node, "entries": r.entries, "batches": r.batches])) }
            }
            if let first = bad.first {
                let more = bad.count > 1 ? Message(.aggVerifyMore, ["count": bad.count - 1]) : .verbatim("")
                throw AggregatorError(
                    Message(.aggVerifyFailed, ["node": first.node, "seq": first.firstBadSeq ?? 0, "problem": first.problem ?? ""], parts: ["more": more]),
                    hint: Message(.aggVerifyFailedHint), exitCode: 6)
            }
        }
    }
}

/// `nodes add --json` output.
struct EnrolResult: Encodable {
    var enrolled: Int
    var nodes: [Node]

    /// One enrolled node.
    struct Node: Encodable {
        var nodeID: String
        var publicKey: String
        var enrolledAt: String

        init(_ record: SimpulAggregator.NodeRecord) {
            nodeID = record.id
            publicKey = record.publicKey
            enrolledAt = record.enrolledAt
        }

        enum CodingKeys: String, CodingKey {
            case nodeID = "node_id"
            case publicKey = "public_key"
            case enrolledAt = "enrolled_at"
        }
    }
}

/// `nodes revoke --json` output: `already_revoked` when the node was revoked before this command.
struct RevokeResult: Encodable {
    var nodeID: String
    var revoked: Bool
    var alreadyRevoked: Bool

    enum CodingKeys: String, CodingKey {
        case revoked
        case nodeID = "node_id"
        case alreadyRevoked = "already_revoked"
    }
}
