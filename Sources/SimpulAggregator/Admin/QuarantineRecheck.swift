import Foundation
import SimpulCore

/// `quarantine recheck`: runs the current rules over every held entry again and releases the ones that pass, so
/// they count from now on. The entries themselves never change; only whether they are held.
public struct QuarantineRecheck: Sendable {
    public let storage: any AggregatorStorage
    public let rules: EventRules

    public init(storage: any AggregatorStorage, rules: EventRules) {
        self.storage = storage
        self.rules = rules
    }

    /// How many entries were released, and how many are still held.
    public struct Result: Sendable, Equatable, Codable {
        public var released: Int
        public var held: Int

        public init(released: Int, held: Int) {
            self.released = released
            self.held = held
        }
    }

    public func run(now: Date) async throws -> Result {
        let held = try await storage.quarantined(node: nil)
        var found = [(entry: QuarantinedEntry, bytes: Data)]()
        for entry in held {
            guard let stored = try await storage.entries(node: entry.node, after: entry.seq - 1, limit: 1).first, stored.seq == entry.seq
            else { continue }
            found.append((entry, stored.bytes))
        }
        // The same decoding and rules ingest applies.
        let decoded = ParallelDecoder.decode(found.map(\.bytes), rules: rules)
        let passing = zip(found, decoded).compactMap { item, result -> QuarantinedEntry? in
            guard case .success = result.content, result.ruleViolation == nil else { return nil }
            return item.entry
        }
        let released = try await storage.release(passing, at: RFC3339.format(now))
        return Result(released: released, held: held.count - released)
    }
}
