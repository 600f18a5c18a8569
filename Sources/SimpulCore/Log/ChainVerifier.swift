import Foundation

/// Re-checks a stretch of a node's log: seq continuity, each entry's own seq and node, and every hash.
///
/// Used by `simpul log verify`, by the aggregator on ingest, and by `simpul-aggregator verify`.
public struct ChainVerifier: Sendable {
    /// Why a chain failed, naming the first bad seq.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var seq: Int64
        public var reason: String
        public var description: String { "seq \(seq): \(reason)" }
    }

    public let node: String
    public private(set) var expectedSeq: Int64
    public private(set) var hash: Data

    /// Starts after `seq` whose hash is `hash` (0 and `ChainHash.genesis` for a whole log).
    public init(node: String, after seq: Int64 = 0, hash: Data = ChainHash.genesis) {
        self.node = node
        self.expectedSeq = seq + 1
        self.hash = hash
    }

    /// Checks the next entry and returns its decoded content. `storedHash`, when given, must match.
    @discardableResult
    public mutating func append(_ entry: LogEntry, storedHash: Data? = nil) throws(Failure) -> LogEntry.Content {
        guard entry.seq == expectedSeq else {
            throw Failure(seq: expectedSeq, reason: entry.seq > expectedSeq
                ? "missing: the log jumps from seq \(expectedSeq - 1) to \(entry.seq)"
                : "out of order: seq \(entry.seq) appears where \(expectedSeq) belongs")
        }
        let content: LogEntry.Content
        do {
            content = try entry.decode()
        } catch {
            throw Failure(seq: entry.seq, reason: "entry bytes are not a valid log entry (\(error))")
        }
        try link(entry, content: content, storedHash: storedHash)
        return content
    }

    /// Checks the next entry whose bytes were already decoded (possibly in parallel) into `content`.
    public mutating func link(_ entry: LogEntry, content: LogEntry.Content, storedHash: Data? = nil) throws(Failure) {
        guard entry.seq == expectedSeq else {
            throw Failure(seq: expectedSeq, reason: entry.seq > expectedSeq
                ? "missing: the log jumps from seq \(expectedSeq - 1) to \(entry.seq)"
                : "out of order: seq \(entry.seq) appears where \(expectedSeq) belongs")
        }
        guard content.seq == entry.seq else {
            throw Failure(seq: entry.seq, reason: "entry bytes say seq \(content.seq)")
        }
        guard content.node == node else {
            throw Failure(seq: entry.seq, reason: "entry belongs to node \(content.node), not \(node)")
        }
        let next = ChainHash.next(previous: hash, entry: entry.bytes)
        if let storedHash, storedHash != next {
            throw Failure(seq: entry.seq, reason: "hash does not match the entry bytes and the previous hash")
        }
        hash = next
        expectedSeq += 1
    }
}
