import Foundation
import SimpulCore

/// A case as the aggregator keys it: the office node whose case it is and the case id (two offices may number
/// their cases alike, so never the case id alone).
public struct CaseKey: Hashable, Sendable, Comparable {
    public var caseNode: String
    public var caseID: String

    public init(caseNode: String, caseID: String) {
        self.caseNode = caseNode
        self.caseID = caseID
    }

    public static func < (a: Self, b: Self) -> Bool { (a.caseNode, a.caseID) < (b.caseNode, b.caseID) }
}

/// The cases a figure update folds, read inside its transaction: every stored event of each (held entries left out)
/// and the figure each had before.
public struct FigureBatch: Sendable {
    public var events: [CaseKey: [CaseEvent]]
    public var previous: [CaseKey: CaseFigure]

    public init(events: [CaseKey: [CaseEvent]], previous: [CaseKey: CaseFigure]) {
        self.events = events
        self.previous = previous
    }
}

/// Where a row of sums belongs: kecamatan, service, and the local month the cases were received.
public struct FigureSumKey: Hashable, Sendable, Comparable {
    public var kecamatan: String
    public var service: String
    public var month: String

    public init(kecamatan: String, service: String, month: String) {
        self.kecamatan = kecamatan
        self.service = service
        self.month = month
    }

    public static func < (a: Self, b: Self) -> Bool { (a.kecamatan, a.service, a.month) < (b.kecamatan, b.service, b.month) }
}

/// What a figure update writes, in the same transaction: the new figure of each case (or its removal, when no
/// counted event is left), and what to add to each row of sums.
public struct FigureChanges: Sendable {
    public var figures: [CaseFigure] = []
    public var removed: [CaseKey] = []
    public var sums: [FigureSumKey: FigureCounts] = [:]

    /// Folds each case of `batch` and works out the change against its previous figure.
    public static func fold(_ batch: FigureBatch, catalogue: ServiceCatalogue = .shipped, now: Date = Date()) -> FigureChanges {
        var changes = FigureChanges()
        let keys = Set(batch.events.keys).union(batch.previous.keys).sorted()
        for key in keys {
            let new = (batch.events[key] ?? []).isEmpty
                ? nil : CaseFold.fold(batch.events[key]!, catalogue: catalogue, now: now).flatMap(CaseFigure.init)
            let old = batch.previous[key]
            if new == old { continue }
            if let old { changes.add(FigureCounts() - FigureCounts(old), at: Self.sumKey(old)) }
            if let new {
                changes.add(FigureCounts(new), at: Self.sumKey(new))
                changes.figures.append(new)
            } else {
                changes.removed.append(key)
            }
        }
        changes.sums = changes.sums.filter { !$0.value.isZero }
        return changes
    }

    static func sumKey(_ f: CaseFigure) -> FigureSumKey { FigureSumKey(kecamatan: f.kecamatan, service: f.service, month: f.month) }

    mutating func add(_ counts: FigureCounts, at key: FigureSumKey) {
        sums[key, default: FigureCounts()] += counts
    }
}

/// One row of sums as the dashboard reads it.
public struct FigureSumRow: Sendable, Equatable {
    public var key: FigureSumKey
    public var counts: FigureCounts
}

/// Open cases of one kecamatan by how long they have been open.
public struct OpenCaseAges: Sendable, Equatable {
    public var kecamatan: String
    public var open: Int
    public var over7Days: Int
    public var over14Days: Int
    public var over30Days: Int

    public init(kecamatan: String, open: Int, over7Days: Int, over14Days: Int, over30Days: Int) {
        self.kecamatan = kecamatan
        self.open = open
        self.over7Days = over7Days
        self.over14Days = over14Days
        self.over30Days = over30Days
    }
}

/// Referrals waiting for one provider's response, and how many are past the service's target.
public struct ProviderBacklog: Sendable, Equatable {
    public var provider: String
    public var awaiting: Int
    public var overdue: Int

    public init(provider: String, awaiting: Int, overdue: Int) {
        self.provider = provider
        self.awaiting = awaiting
        self.overdue = overdue
    }
}

/// An area's bounds as the summary tables are searched: every kecamatan code from `lower` up to `upper`. The empty
/// code is the whole database; a province, kabupaten/kota or kecamatan code takes its own codes and those under it.
public struct AreaRange: Sendable, Equatable {
    public var lower: String
    public var upper: String

    public init(_ code: String) {
        lower = code
        upper = code + "~"  // '~' sorts after digits and '.', in bytewise ("C") order on both backends
    }
}
