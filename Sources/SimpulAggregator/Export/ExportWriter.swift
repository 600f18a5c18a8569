import Foundation
import SimpulCore

/// One exported field's value.
enum ExportValue {
    case text(String?)
    case number(Int64?)
    case flag(Bool?)
}

/// Formats export rows as CSV (a header row, then one line per row) or JSON Lines (an object per line, absent values
/// left out) into a buffer the caller takes a page at a time.
struct ExportWriter {
    let columns: [String]
    let format: ExportFormat
    private var buffer: [UInt8] = []
    private var csv = CSVRow()

    init(columns: [String], format: ExportFormat) {
        self.columns = columns
        self.format = format
        if format == .csv {
            for column in columns { csv.text(column) }
            buffer.append(contentsOf: csv.end())
        }
    }

    mutating func write(_ values: [ExportValue]) {
        switch format {
        case .csv:
            for value in values {
                switch value {
                case .text(let text): csv.text(text)
                case .number(let number): csv.number(number)
                case .flag(let flag): csv.flag(flag)
                }
            }
            buffer.append(contentsOf: csv.end())
        case .json:
            var members = [(key: String, value: JSONValue)]()
            members.reserveCapacity(columns.count)
            for (column, value) in zip(columns, values) {
                switch value {
                case .text(let text?): members.append((column, .string(text)))
                case .number(let number?): members.append((column, .integer(number)))
                case .flag(let flag?): members.append((column, .bool(flag)))
                default: continue
                }
            }
            CanonicalJSON.appendObject(members, to: &buffer)
            buffer.append(10)
        }
    }

    /// The bytes written since the last take.
    mutating func take() -> Data {
        defer { buffer.removeAll(keepingCapacity: true) }
        return Data(buffer)
    }
}
