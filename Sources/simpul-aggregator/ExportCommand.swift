import ArgumentParser
import Foundation
import SimpulAggregator
import SimpulCore

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: tr(.aggHelpExport),
        discussion: """
            events: one row per stored event (quarantined entries left out), dated by its own occurred_at.
            cases: one row per case (keyed by office node and case number) with the times of its steps in minutes,
            dated by the local day it was received. --area takes a province, kabupaten/kota, kecamatan or desa code.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "What to export: events or cases.") var kind: ExportKindArgument
    @Option(help: "The first day, YYYY-MM-DD (inclusive).") var from: String?
    @Option(help: "The last day, YYYY-MM-DD (inclusive).") var to: String?
    @Option(help: "An area code: PP, PP.KK, PP.KK.CC or PP.KK.CC.DDDD (default: everything).") var area = ""
    @Option(help: "csv (with a header row) or json (JSON Lines: one object per line).") var format: ExportFormatArgument = .csv

    func run() async throws {
        try await Output.guarding {
            let filter = try ExportFilter(area: area, from: from, to: to)
            let config = try global.load()
            let admin = try await AggregatorAdmin(config: config)
            let out = FileHandle.standardOutput
            var export = Export(kind.kind, storage: admin.storage, filter: filter, format: format.format, catchUp: true)
            do {
                while let chunk = try await export.next() { try out.write(contentsOf: chunk) }
            } catch let error as CocoaError where error.code == .fileWriteUnknown || error.code == .fileWriteNoPermission {
                return  // the reader went away (`| head`): nothing to say
            }
        }
    }
}

/// `events` or `cases`, as the command line names them.
struct ExportKindArgument: ExpressibleByArgument {
    let kind: Export.Kind
    init?(argument: String) {
        guard let kind = Export.Kind(rawValue: argument) else { return nil }
        self.kind = kind
    }
    static var allValueStrings: [String] { Export.Kind.allCases.map(\.rawValue) }
}

/// `csv` or `json`, as the command line names them.
struct ExportFormatArgument: ExpressibleByArgument {
    let format: ExportFormat
    static let csv = ExportFormatArgument(argument: "csv")!
    init?(argument: String) {
        guard let format = ExportFormat(rawValue: argument) else { return nil }
        self.format = format
    }
    var defaultValueDescription: String { format.rawValue }
    static var allValueStrings: [String] { ExportFormat.allCases.map(\.rawValue) }
}
