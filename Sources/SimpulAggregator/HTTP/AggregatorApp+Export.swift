import Foundation
import Hummingbird
import NIOCore
import SimpulCore

/// `GET /export/events` and `GET /export/cases`: the export behind the dashboard's download links, streamed a page
/// at a time, behind the dashboard's read token when one is set.
extension AggregatorApp {
    /// Exports streaming at once, at most.
    static let maxExportsRunning = 2

    func exportResponse(_ request: Request, kind name: String) async throws -> Response {
        guard let kind = Export.Kind(rawValue: name) else {
            throw Problem(.notFound, title: "No such export", status: 404, detail: "exports are /export/events and /export/cases")
        }
        let query = request.uri.queryParameters
        guard let format = ExportFormat(rawValue: query.get("format") ?? "csv") else {
            throw Problem(.badRequest, title: "Unknown export format", status: 400, detail: "format is csv or json")
        }
        let filter: ExportFilter
        do {
            filter = try ExportFilter(area: query.get("area") ?? "", from: query.get("from"), to: query.get("to"))
        } catch {
            throw Problem(.badRequest, title: "Bad export filter", status: 400, detail: "\(error.message); \(error.hint ?? "")")
        }
        if dashboardAccess.decide(request, location: "/") == .refused {
            throw Problem(.tokenRequired, title: "The export needs the dashboard's read token", status: 401,
                          detail: "send Authorization: Bearer TOKEN (dashboard_token in aggregator.toml), or open the dashboard with it first")
        }
        // A full export reads every stored event: a few at once, whoever asks (the dashboard may be open to anyone).
        guard let permit = AllowancePermit(exportsRunning) else {
            throw Problem(.busy, title: "Busy", status: 503,
                          detail: "\(exportsRunning.capacity) exports are running; retry when one has finished (or use 'simpul-aggregator export' on the server)")
        }
        var export = Export(kind, storage: storage, filter: filter, format: format)
        // The first page is read before the answer starts, so a database that cannot be read gets a problem, not a cut body.
        let first = try await export.next()
        let file = "simpul-\(kind.rawValue)\(filter.area.isEmpty ? "" : "-" + filter.area).\(format == .csv ? "csv" : "jsonl")"
        let headers: HTTPFields = [
            .contentType: format == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson",
            .contentDisposition: "attachment; filename=\"\(file)\"",
            .cacheControl: "no-store",
        ]
        let remaining = export
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // Held until the body is written, or dropped with it (a client gone, a HEAD answered without it).
            withExtendedLifetime(permit) {}
            var export = remaining
            if let first { try await writer.write(ByteBuffer(bytes: first)) }
            while let chunk = try await export.next() { try await writer.write(ByteBuffer(bytes: chunk)) }
            try await writer.finish(nil)
        })
    }
}
