import Foundation
import SimpulCore

/// `simpul-aggregator export events|cases` and the dashboard's download links: every stored event, or every case's
/// figure, of an area and a date range, streamed a page at a time (never the whole table in memory). Pseudonyms
/// only: events carry the subject's keyed pseudonym, never a NIK (the aggregator refuses entries that hold one), and
/// no officer names. Entries held in quarantine are left out, as everywhere else.
public struct Export: Sendable {
    /// What an export covers.
    public enum Kind: String, Sendable, CaseIterable {
        case events, cases
    }

    public let kind: Kind
    public let filter: ExportFilter
    public let format: ExportFormat
    let storage: any AggregatorStorage
    private var writer: ExportWriter
    private var afterEntry: (node: String, seq: Int64)?
    private var afterCase: CaseFigureCursor?
    private var done = false
    private var pendingCatchUp: Bool
    /// Rows written so far.
    public private(set) var rows = 0

    /// Rows read per page (a chunk of the output).
    let pageSize: Int

    static let eventColumns = [
        "node", "seq", "event_id", "kind", "case_node", "case", "service", "desa", "kecamatan", "occurred_at", "channel",
        "provider", "reason", "outcome", "supersedes", "subject", "subject_sex", "subject_age_band",
    ]

    static let caseColumns = [
        "case_node", "case", "service", "kecamatan", "desa", "state", "provider", "received_on", "minutes_to_referral",
        "minutes_to_response", "minutes_to_close", "closed_within_target", "response_due_on", "anomalies", "time_anomaly",
    ]

    /// `catchUp`: bring the figures up to date before the case export (the command line; never an HTTP request, whose
    /// cost an unauthenticated sender would choose: the server's own job keeps them current).
    public init(_ kind: Kind, storage: any AggregatorStorage, filter: ExportFilter, format: ExportFormat, pageSize: Int = 5_000,
                catchUp: Bool = false) {
        pendingCatchUp = catchUp && kind == .cases
        self.kind = kind
        self.pageSize = max(1, pageSize)
        self.storage = storage
        self.filter = filter
        self.format = format
        writer = ExportWriter(columns: kind == .events ? Self.eventColumns : Self.caseColumns, format: format)
    }

    /// The next chunk of the export (a page of rows; the first also holds a CSV header), or nil at the end.
    public mutating func next() async throws -> Data? {
        guard !done else { return nil }
        switch kind {
        case .events: try await nextEvents()
        case .cases: try await nextCases()
        }
        let chunk = writer.take()
        return chunk.isEmpty && done ? nil : chunk
    }

    private mutating func nextEvents() async throws {
        let page = try await storage.exportEntries(after: afterEntry, filter: filter, limit: pageSize)
        for entry in page.entries {
            let e = try LogEntry(seq: entry.seq, bytes: entry.bytes).decode().event
            let caseNode = e.caseNode ?? entry.node
            let kecamatan = e.desa.map { String($0.prefix(8)) } ?? NodeID.kecamatan(of: caseNode)
            writer.write([
                .text(entry.node), .number(entry.seq), .text(e.id), .text(e.kind.rawValue), .text(caseNode), .text(e.caseID),
                .text(e.service), .text(e.desa), .text(kecamatan), .text(e.occurredAt), .text(e.channel?.rawValue),
                .text(e.provider), .text(e.reason), .text(e.outcome), .text(e.supersedes), .text(e.subject),
                .text(e.subjectSex), .text(e.subjectAgeBand),
            ])
        }
        rows += page.entries.count
        afterEntry = page.last
        done = page.last == nil
    }

    private mutating func nextCases() async throws {
        if pendingCatchUp {
            try await FigureUpdater.catchUp(storage)
            pendingCatchUp = false
        }
        let desa = filter.area.count > 8 ? filter.area : nil
        let page = try await storage.exportCases(after: afterCase, area: AreaRange(String(filter.area.prefix(8))), limit: pageSize)
        for f in page where filter.includes(openedDay: f.openedDay) && (desa == nil || f.desa == desa) {
            writer.write([
                .text(f.caseNode), .text(f.caseID), .text(f.service), .text(f.kecamatan), .text(f.desa), .text(f.state),
                .text(f.provider), .text(LocalZone.dayText(f.openedDay)), .number(f.minutesToReferral), .number(f.minutesToResponse),
                .number(f.minutesToClose), .flag(f.closedWithinTarget), .text(f.responseDueDay.map(LocalZone.dayText)),
                .number(Int64(f.anomalies)), .flag(f.timeAnomaly),
            ])
            rows += 1
        }
        afterCase = page.last.map(CaseFigureCursor.init)
        done = page.count < pageSize
    }
}

/// A page of stored entries for an export: the rows that pass the filter, and the last position read (the next page
/// starts after it; nil when the table is exhausted).
public struct ExportPage: Sendable {
    public var entries: [(node: String, seq: Int64, bytes: Data)]
    public var last: (node: String, seq: Int64)?

    public init(entries: [(node: String, seq: Int64, bytes: Data)], last: (node: String, seq: Int64)?) {
        self.entries = entries
        self.last = last
    }
}
