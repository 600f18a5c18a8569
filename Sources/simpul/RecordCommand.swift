import ArgumentParser
import Foundation
import SimpulCore
import SimpulNode

struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: tr(.helpRecord),
        discussion: tr(.discRecord, ["kinds": EventKind.allCases.map(\.rawValue).joined(separator: ", ")]))

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp(tr(.optKind))) var kind: String?
    @Option(name: .customLong("case"), help: ArgumentHelp(tr(.optCaseID))) var caseID: String?
    @Option(help: ArgumentHelp(tr(.optService))) var service: String?
    @Option(help: ArgumentHelp(tr(.optDesa))) var desa: String?
    @Option(help: ArgumentHelp(tr(.optChannel))) var channel: String?
    @Option(help: ArgumentHelp(tr(.optOfficer))) var officer: String?
    @Option(help: ArgumentHelp(tr(.optReferralTarget))) var provider: String?
    @Option(help: ArgumentHelp(tr(.optReason))) var reason: String?
    @Option(help: ArgumentHelp(tr(.optOutcome))) var outcome: String?
    @Option(help: ArgumentHelp(tr(.optCaseNode))) var caseNode: String?
    @Option(help: ArgumentHelp(tr(.optOccurredAt))) var occurredAt: String?
    @Option(help: ArgumentHelp(tr(.optSupersedes))) var supersedes: String?
    @Option(help: ArgumentHelp(tr(.optNIK)))
    var nik: String?
    @Option(help: ArgumentHelp(tr(.optAttr))) var attr: [String] = []
    @Option(help: ArgumentHelp(tr(.optRecordFile))) var file: String?
    @Flag(help: ArgumentHelp(tr(.jsonHelp))) var json = false

    func run() async throws {
        try await Output.guarding(json: json) {
            let config = try Output.loadConfig(global)
            let recorder = try Recorder(context: NodeContext.open(config: config))
            let entries: [AppendedEntry]
            if let file {
                guard kind == nil, service == nil, caseID == nil, nik == nil else {
                    throw NodeError(.usage, Message(.fileWithFlags), hint: Message(.fileWithFlagsHint))
                }
                let data: Data
                if file == "-" {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                } else {
                    guard let contents = FileManager.default.contents(atPath: file) else {
                        throw NodeError(.usage, Message(.cannotRead, ["path": file]), hint: Message(.checkPathPermissions))
                    }
                    data = contents
                }
                let showProgress = Output.stderrIsTerminal && data.count > 1 << 20
                entries = try recorder.importNDJSON(data, progress: showProgress ? { done, total in
                    FileHandle.standardError.write(Data(("\r" + tr(.validatingProgress, ["done": done, "total": total])).utf8))
                } : nil)
                if showProgress { Output.note("\r" + tr(.validatedStored, ["count": entries.count]) + "      ") }
            } else {
                entries = try recorder.record(objects: [try flagsObject()])
            }
            await ControlClient(config: config).nudge()
            if json {
                Output.json(RecordResult(recorded: entries.count, events: entries))
            } else {
                for entry in entries { Output.line(entry.id) }
            }
        }
    }

    func flagsObject() throws -> [String: JSONValue] {
        guard kind != nil else {
            throw NodeError(.usage, Message(.kindMissing), hint: Message(.kindMissingHint))
        }
        var object = [String: JSONValue]()
        let fields: [(String, String?)] = [
            ("kind", kind), ("case", caseID), ("service", service), ("desa", desa), ("channel", channel),
            ("officer", officer), ("provider", provider), ("reason", reason), ("occurred_at", occurredAt),
            ("supersedes", supersedes), ("nik", nik), ("outcome", outcome), ("case_node", caseNode),
        ]
        for (key, value) in fields { if let value { object[key] = .string(value) } }
        if nik == "-" {
            let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces) ?? ""
            object["nik"] = .string(line)
        }
        var attrs = [String: JSONValue]()
        for pair in attr {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                throw NodeError(.usage, Message(.attrInvalid, ["pair": pair]))
            }
            let value = String(pair[pair.index(after: eq)...])
            attrs[String(pair[..<eq])] = Int64(value).map(JSONValue.integer) ?? .string(value)
        }
        if !attrs.isEmpty { object["attrs"] = .object(attrs) }
        return object
    }
}

/// `record --json` output.
struct RecordResult: Encodable {
    var recorded: Int
    var events: [AppendedEntry]
}
