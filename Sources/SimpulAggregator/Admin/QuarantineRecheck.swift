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
        var passing = [QuarantinedEntry]()
        for entry in held {
            guard let stored = try await storage.entries(node: entry.node, after: entry.seq - 1, limit: 1).first, stored.seq == entry.seq,
                  let content = try? LogEntry(seq: stored.seq, bytes: stored.bytes).decode()
            else { continue }
            do throws(ValidationError) {
                try rules.check(content.event)
                passing.append(entry)
            } catch {
                continue
            }
        }
        let released = try await storage.release(passing, at: RFC3339.format(now))
        return Result(released: released, held: held.count - released)
    }
}
