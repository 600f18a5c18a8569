import ArgumentParser
import Foundation
import SimpulAggregator
import SimpulCore

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: tr(.aggHelpExport),
        discussion: tr(.discExport))

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp(tr(.optExportKind))) var kind: ExportKindArgument
    @Option(help: ArgumentHelp(tr(.optFrom))) var from: String?
    @Option(help: ArgumentHelp(tr(.optTo))) var to: String?
    @Option(help: ArgumentHelp(tr(.optArea))) var area = ""
    @Option(help: ArgumentHelp(tr(.optExportFormat))) var format: ExportFormatArgument = .csv

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
