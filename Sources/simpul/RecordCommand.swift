import ArgumentParser
import Foundation
import SimpulCore
import SimpulNode

struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: tr(.helpRecord),
        discussion: """
            Recording never needs the network: the events are on disk when this returns. A file is all or nothing:
            one invalid line and nothing is stored. Kinds: \(EventKind.allCases.map(\.rawValue).joined(separator: ", ")).
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Event kind, e.g. request.received.") var kind: String?
    @Option(name: .customLong("case"), help: "Case id (generated for request.received / need.identified).") var caseID: String?
    @Option(help: "Service code from the catalogue, e.g. ADM.KTPEL.") var service: String?
    @Option(help: "Citizen's desa/kelurahan code, e.g. 35.07.01.2001.") var desa: String?
    @Option(help: "counter, outreach, village_referral, online or phone.") var channel: String?
    @Option(help: "Officer id.") var officer: String?
    @Option(help: "Referral target, e.g. DISDUKCAPIL.35.07.") var provider: String?
    @Option(help: "Reason code (rejections, cancellations, incomplete requests, a provider's declined response).") var reason: String?
    @Option(help: "A provider's response outcome (provider.responded), e.g. completed, accepted or declined.") var outcome: String?
    @Option(help: "On a provider node: the office whose case it is, when several offices referred the same case id.") var caseNode: String?
    @Option(help: "When it happened (RFC 3339 with offset; default now).") var occurredAt: String?
    @Option(help: "The event this one corrects (event.corrected).") var supersedes: String?
    @Option(help: "Citizen's NIK, pseudonymised before anything is stored. '-' reads it from standard input, which keeps it out of the process list and shell history.")
    var nik: String?
    @Option(help: "Extra attribute key=value (repeatable).") var attr: [String] = []
    @Option(help: "Record every event of an NDJSON file ('-' for stdin).") var file: String?
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
