import Foundation
import SimpulCore

/// Demand and supply per service, tallied from the stored entries each backend reads (quarantined ones left out):
/// cases opened, referred, completed, rejected, and the median days from opening to completion.
struct ServiceFigureTally {
    private var byService = [String: ServiceFigure]()
    private var opened = [String: (service: String, at: Date)]()
    private var completed = [String: Date]()

    mutating func add(service: String, kind: String, caseID: String, occurredAt: String) {
        var f = byService[service] ?? ServiceFigure(service: service, received: 0, referred: 0, completed: 0, rejected: 0)
        switch kind {
        case "request.received", "need.identified":
            f.received += 1
            if let at = RFC3339.parse(occurredAt)?.date { opened[caseID] = (service, at) }
        case "request.referred": f.referred += 1
        case "request.completed":
            f.completed += 1
            if let at = RFC3339.parse(occurredAt)?.date { completed[caseID] = at }
        default: f.rejected += 1
        }
        byService[service] = f
    }

    var figures: [ServiceFigure] {
        var out = byService
        var days = [String: [Double]]()
        for (caseID, done) in completed {
            if let open = opened[caseID] { days[open.service, default: []].append(done.timeIntervalSince(open.at) / 86_400) }
        }
        for (service, values) in days {
            let sorted = values.sorted()
            out[service]?.medianDaysToComplete = sorted[sorted.count / 2]
        }
        return out.values.sorted { $0.service < $1.service }
    }
}
