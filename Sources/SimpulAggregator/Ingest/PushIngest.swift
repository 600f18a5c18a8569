import Foundation
import Logging
import SimpulCore

/// Verifies and stores one push, exactly once. Storage-independent: every check happens here, and the
/// store only applies the result if the node's head has not moved meanwhile.
public struct PushIngest: Sendable {
    public let storage: any AggregatorStorage
    public let rules: EventRules
    public let limits: Limits
    public let signingKey: SigningKey
    /// Shared by every copy of this ingest: the pushes being checked or stored now, and the heads other replicas store.
    let inFlight: InFlightPushes

    public init(storage: any AggregatorStorage, rules: EventRules, limits: Limits, signingKey: SigningKey) {
        self.storage = storage
        inFlight = InFlightPushes(heads: (storage as? any HeadNotifyingStorage)?.headNotifications)
        self.rules = rules
        self.limits = limits
        self.signingKey = signingKey
    }

    /// How long a pipelined push waits, at most, for the pushes before it (each bounded by storage timeouts).
    static let maxPredecessorWaits = 8

    /// What happened to a push that was accepted.
    public struct Outcome: Sendable {
        public var receipt: Receipt
        /// Entries of this push held in quarantine.
        public var quarantined = 0
        /// The field each held entry broke a rule in (metrics count quarantines by it).
        public var quarantinedFields: [String] = []
    }

    /// Splits a (decompressed) push body into its header and the entries' verbatim bytes (`PushBody`, with this
    /// aggregator's limits).
    public func parse(body: Data) throws(Problem) -> (PushHeader, [Data]) {
        do {
            return try PushBody.parse(body, limits: limits, maxHeaderLineBytes: Self.maxHeaderLineBytes, maxSeq: Self.maxSeq)
        } catch {
            switch error {
            case .malformed(let detail): throw .malformed(detail)
            case .tooLarge(let detail): throw .tooLarge(detail)
            case .unsupportedVersion(let version): throw .unsupportedVersion(String(version))
            }
        }
    }

    /// The longest value of an event field the aggregator keeps in its own column (and indexes), in bytes.
    static let maxColumnBytes = 512

    /// Why an event's columns cannot be stored on every backend, or nil: a NUL (PostgreSQL's text refuses it), or an
    /// indexed value far longer than any real one (a B-tree entry has a size limit). A rule violation is held in
    /// quarantine; this is refused, because no node writes it and storing it would fail on one backend and not the other.
    static func unstorableColumn(_ event: Event) -> String? {
        let columns: [(String, String?)] = [
            ("id", event.id), ("case", event.caseID), ("service", event.service), ("desa", event.desa),
            ("occurred_at", event.occurredAt), ("case_node", event.caseNode), ("provider", event.provider),
        ]
        for (field, value) in columns {
            guard let value else { continue }
            if value.utf8.contains(0) { return "the event's '\(field)' holds a NUL character" }
            if value.utf8.count > maxColumnBytes { return "the event's '\(field)' is \(value.utf8.count) bytes; at most \(maxColumnBytes)" }
        }
        return nil
    }

    /// The longest push header line (the signed header is about 400 bytes).
    static let maxHeaderLineBytes = 4096

    /// No log gets anywhere near this; it keeps seq arithmetic far from overflow.
    static let maxSeq: Int64 = 1 << 53

    /// Node clock minus ours in seconds (one decimal), or nil if `nodeClock` is not RFC 3339.
    static func clockSkew(nodeClock: String, now: Date) -> Double? {
        RFC3339.parse(nodeClock).map { ($0.date.timeIntervalSince(now) * 10).rounded() / 10 }
    }

    /// Verifies and stores one push. The node's clock skew is taken from the header's signed `clock`, so a relayed
    /// or replayed push cannot set it.
    public func ingest(pathNode: String, header: PushHeader, entries: [Data], now: Date, logger: Logger,
                       reportedBacklog: Int64? = nil) async throws -> Outcome {
        let clockSkewSeconds = Self.clockSkew(nodeClock: header.clock, now: now)
        guard header.node == pathNode else { throw Problem.nodeMismatch(path: pathNode, header: header.node) }
        guard let record = try await storage.node(pathNode) else { throw Problem.unknownNode(pathNode) }
        guard let key = try? PublicKey(base64: record.publicKey), key.isValid(signature: header.signature, for: header.signedMessage) else {
            throw Problem.badSignature(pathNode)
        }
        // Only the node itself learns that it is revoked.
        if let revokedAt = record.revokedAt { throw Problem.revoked(pathNode, at: revokedAt) }
        guard header.fromSeq >= 1, header.toSeq - header.fromSeq + 1 == Int64(entries.count), !entries.isEmpty else {
            throw Problem.malformed("from_seq \(header.fromSeq) to to_seq \(header.toSeq) does not match the \(entries.count) entries sent")
        }
        // Lower-case only, so the stored signed header is exactly what `verify` re-derives from the entries.
        guard let prevHash = Hex.decode(header.prevHash), prevHash.count == 32, Hex.encode(prevHash) == header.prevHash,
              let lastHash = Hex.decode(header.lastHash), lastHash.count == 32, Hex.encode(lastHash) == header.lastHash
        else { throw Problem.malformed("prev_hash and last_hash must be 64 lower-case hex digits") }
        guard header.fromSeq > 1 || prevHash == ChainHash.genesis else {
            throw Problem.brokenHash("a batch from seq 1 must have prev_hash of 64 zeros (the chain starts there)", seq: 1)
        }

        // A push the node sent before this one's receipt may still be on its way to the store: while this one is
        // verified, a following push waits for it rather than being refused as a gap.
        let flight = inFlight.begin(node: pathNode, toSeq: header.toSeq)
        defer { inFlight.end(flight) }

        // 1. The entries must be the node's: chained from prev_hash to the signed last_hash, in order.
        let decoded = ParallelDecoder.decode(entries, rules: rules)
        var verifier = ChainVerifier(node: pathNode, after: header.fromSeq - 1, hash: prevHash)
        var computed = [(seq: Int64, hash: Data, content: LogEntry.Content, violation: ValidationError?)]()
        computed.reserveCapacity(entries.count)
        for (offset, bytes) in entries.enumerated() {
            let seq = header.fromSeq + Int64(offset)
            switch decoded[offset].content {
            case .failure(let error):
                throw Problem.invalidEntry(seq: seq, "entry bytes are not a valid log entry (\(error))")
            case .success(let content):
                do {
                    try verifier.link(LogEntry(seq: seq, bytes: bytes), content: content)
                } catch {
                    throw Problem.invalidEntry(seq: error.seq, error.reason)
                }
                if let unstorable = Self.unstorableColumn(content.event) {
                    throw Problem.invalidEntry(seq: seq, unstorable)
                }
                computed.append((seq, verifier.hash, content, decoded[offset].ruleViolation))
            }
        }
        guard verifier.hash == lastHash else {
            throw Problem.brokenHash("the entries do not hash to the signed last_hash \(header.lastHash); the batch was altered or built wrongly")
        }
        var attempt = 0
        var predecessorWaits = 0
        var current = record
        while attempt < 5 {
            let head = Problem.Head(seq: current.headSeq, hash: current.headHash)
            if let forkSeq = current.forkSeq { throw Problem.forked(node: pathNode, seq: forkSeq, head: head) }
            if let revokedAt = current.revokedAt { throw Problem.revoked(pathNode, at: revokedAt) }
            // 2. It must link to what is stored: no gap, and no different entry at a stored seq (a fork).
            guard header.fromSeq <= current.headSeq + 1 else {
                // The head read first may predate the push this one follows (sent before its receipt): wait while
                // that push is checked or stored, or read the head again if it has just ended.
                if predecessorWaits < Self.maxPredecessorWaits, await inFlight.waitForPush(node: pathNode, endingAt: header.fromSeq - 1) {
                    predecessorWaits += 1
                    current = try await storage.node(pathNode) ?? current
                    continue
                }
                throw Problem.gap(from: header.fromSeq, head: head)
            }
            let overlapEnd = min(header.toSeq, current.headSeq)
            let firstKnown = max(header.fromSeq - 1, 1)
            if overlapEnd >= firstKnown, current.headSeq > 0 {
                let stored = try await storage.hashes(node: pathNode, seqs: firstKnown...overlapEnd)
                if header.fromSeq > 1, let storedPrev = stored[header.fromSeq - 1], storedPrev != prevHash {
                    try await recordFork(header: header, seq: header.fromSeq - 1, stored: storedPrev, offered: prevHash, bytes: Data(), now: now)
                    throw Problem.fork(node: pathNode, seq: header.fromSeq - 1, head: head)
                }
                for item in computed where item.seq <= overlapEnd {
                    if let storedHash = stored[item.seq], storedHash != item.hash {
                        let bytes = entries[Int(item.seq - header.fromSeq)]
                        try await recordFork(header: header, seq: item.seq, stored: storedHash, offered: item.hash, bytes: bytes, now: now)
                        logger.warning("fork refused", metadata: ["node": "\(pathNode)", "seq": "\(item.seq)"])
                        throw Problem.fork(node: pathNode, seq: item.seq, head: head)
                    }
                }
            }
            // 3. Every new entry is stored. One whose event breaks the aggregator's rules is held in quarantine (a
            //    node's signed statement is kept, and one disagreement never blocks the entries after it).
            let issuedAt = RFC3339.format(now)
            var newEntries = [StoredEntry]()
            var quarantine = [QuarantinedEntry]()
            newEntries.reserveCapacity(computed.count)
            for item in computed where item.seq > current.headSeq {
                let event = item.content.event
                if let violation = item.violation {
                    quarantine.append(QuarantinedEntry(node: pathNode, seq: item.seq, eventID: event.id, violation: violation, at: issuedAt))
                }
                newEntries.append(StoredEntry(
                    node: pathNode, seq: item.seq, bytes: entries[Int(item.seq - header.fromSeq)], hash: item.hash,
                    eventID: event.id, kind: event.kind.rawValue, service: event.service, caseID: event.caseID,
                    desa: event.desa, occurredAt: event.occurredAt, caseNode: event.caseNode, provider: event.provider))
            }
            let duplicates = computed.count - newEntries.count
            if newEntries.isEmpty {
                // Everything was already stored: acknowledge with the head, store nothing, and leave last-seen and skew
                // alone (a replayed push must change nothing; the node's next head read records it as seen).
                var receipt = Receipt(node: pathNode, seq: current.headSeq, hash: current.headHash, issuedAt: issuedAt, stored: 0, duplicates: duplicates)
                await addQuarantine(to: &receipt, held: current.quarantined, newlyHeld: [])
                return Outcome(receipt: sign(receipt))
            }
            let newHead = newEntries[newEntries.count - 1]
            let commit = IngestCommit(
                node: pathNode, expectedHeadSeq: current.headSeq, entries: newEntries, newHeadSeq: newHead.seq,
                newHeadHash: newHead.hash,
                batch: StoredBatch(node: pathNode, fromSeq: header.fromSeq, toSeq: header.toSeq, prevHash: header.prevHash,
                                   lastHash: header.lastHash, signature: header.signature, receivedAt: issuedAt,
                                   clock: header.clock),
                quarantine: quarantine, seenAt: issuedAt, clockSkewSeconds: clockSkewSeconds, reportedBacklog: reportedBacklog)
            switch try await storage.commit(commit) {
            case .committed:
                if !quarantine.isEmpty {
                    logger.warning("entries quarantined", metadata: [
                        "node": "\(pathNode)", "quarantine.count": "\(quarantine.count)", "quarantine.first": "\(quarantine[0].summary)",
                    ])
                }
                var receipt = Receipt(node: pathNode, seq: newHead.seq, hash: Hex.encode(newHead.hash), issuedAt: issuedAt,
                                      stored: newEntries.count, duplicates: duplicates)
                await addQuarantine(to: &receipt, held: current.quarantined, newlyHeld: quarantine)
                return Outcome(receipt: sign(receipt), quarantined: quarantine.count, quarantinedFields: quarantine.map(\.field))
            case .duplicateEvent(let id, let node, let seq):
                throw Problem.duplicateEvent(id: id, node: node, seq: seq)
            case .headMoved:
                logger.debug("head moved during push; re-checking", metadata: ["node": "\(pathNode)", "attempt": "\(attempt)"])
                attempt += 1
                current = try await storage.node(pathNode) ?? current
                continue
            }
        }
        throw Problem.busy()
    }

    /// Tells the node how many of its entries are held, and why the first is (read only when some are, one row). A
    /// failed read leaves the reason out rather than failing a push that is already stored.
    func addQuarantine(to receipt: inout Receipt, held: Int, newlyHeld: [QuarantinedEntry]) async {
        let count = held + newlyHeld.count
        guard count > 0 else { return }
        receipt.quarantined = count
        let first = held > 0 ? (try? await storage.firstQuarantined(node: receipt.node)) ?? newlyHeld.first : newlyHeld.first
        receipt.quarantineReason = first?.summary
    }

    func sign(_ receipt: Receipt) -> Receipt {
        var copy = receipt
        copy.sign(with: signingKey)
        return copy
    }

    /// The node's current head, signed, as `GET /v1/nodes/{node}/head` and idempotent pushes answer it.
    public func headReceipt(for record: NodeRecord, now: Date) async -> Receipt {
        var receipt = Receipt(node: record.id, seq: record.headSeq, hash: record.headHash, issuedAt: RFC3339.format(now), stored: 0, duplicates: 0)
        await addQuarantine(to: &receipt, held: record.quarantined, newlyHeld: [])
        return sign(receipt)
    }

    private func recordFork(header: PushHeader, seq: Int64, stored: Data, offered: Data, bytes: Data, now: Date) async throws {
        let headerText = (try? JSONEncoder().encode(header)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        try await storage.recordFork(ForkRecord(
            node: header.node, seq: seq, storedHash: Hex.encode(stored), offeredHash: Hex.encode(offered),
            offeredBytes: bytes, header: headerText, detectedAt: RFC3339.format(now)))
    }
}
