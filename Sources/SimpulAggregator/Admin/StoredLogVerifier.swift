import Foundation
import SimpulCore

/// `simpul-aggregator verify`: re-checks every stored chain and every stored batch signature, so anyone
/// with the database and the enrolled keys can show that no record was altered after it arrived.
public struct StoredLogVerifier: Sendable {
    public let storage: any AggregatorStorage

    public init(storage: any AggregatorStorage) {
        self.storage = storage
    }

    /// One node's result.
    public struct NodeResult: Sendable, Codable {
        public var node: String
        public var entries: Int64
        public var batches: Int
        public var ok: Bool
        public var firstBadSeq: Int64?
        public var problem: String?

        enum CodingKeys: String, CodingKey {
            case node, entries, batches, ok, problem
            case firstBadSeq = "first_bad_seq"
        }
    }

    public func verifyAll() async throws -> [NodeResult] {
        var out = [NodeResult]()
        for node in try await storage.listNodes() { out.append(try await verify(node)) }
        return out
    }

    public func verify(_ node: NodeRecord) async throws -> NodeResult {
        var result = NodeResult(node: node.id, entries: 0, batches: 0, ok: true)
        func fail(_ seq: Int64, _ why: String) -> NodeResult {
            var copy = result
            copy.ok = false
            copy.firstBadSeq = seq
            copy.problem = why
            return copy
        }
        // Everything is checked up to the head as read first: pushes that commit while this runs (admin commands
        // work while `serve` runs) only add entries and batches beyond it.
        var verifier = ChainVerifier(node: node.id)
        var hashes = [Int64: Data]()
        var after: Int64 = 0
        reading: while after < node.headSeq {
            let chunk = try await storage.storedEntries(node: node.id, after: after, limit: 5000)
            if chunk.isEmpty { break }
            for row in chunk {
                if row.seq > node.headSeq { break reading }
                let content: LogEntry.Content
                do {
                    content = try verifier.append(LogEntry(seq: row.seq, bytes: row.bytes), storedHash: row.hash)
                } catch {
                    return fail(error.seq, error.reason)
                }
                // The columns the dashboard counts must say what the signed bytes say.
                let e = content.event
                let derived = [e.id, e.kind.rawValue, e.service, e.caseID, e.desa ?? "", e.occurredAt]
                let stored = [row.eventID, row.kind, row.service, row.caseID, row.desa ?? "", row.occurredAt]
                guard derived == stored else { return fail(row.seq, "the stored columns differ from the signed entry (altered after it arrived?)") }
                hashes[row.seq] = row.hash
                result.entries += 1
            }
            after = chunk[chunk.count - 1].seq
        }
        guard verifier.expectedSeq - 1 == node.headSeq, Hex.encode(verifier.hash) == node.headHash else {
            return fail(verifier.expectedSeq, "the stored head (seq \(node.headSeq)) does not match the stored entries (end at seq \(verifier.expectedSeq - 1))")
        }
        guard let key = try? PublicKey(base64: node.publicKey) else { return fail(0, "the enrolled public key is unreadable") }
        // After a rekey, each batch is checked with the key the node had when it was stored: a retired key signed
        // the batches up to its `until_seq`, the current key the ones after the last retirement.
        var retired = [(key: PublicKey, untilSeq: Int64)]()
        for r in try await storage.retiredKeys(node: node.id) {
            guard let old = try? PublicKey(base64: r.publicKey) else { return fail(0, "a retired public key of the node is unreadable") }
            retired.append((old, r.untilSeq))
        }
        func signer(of batch: StoredBatch) -> (key: PublicKey, name: String) {
            var lowest: Int64 = 0
            for (index, r) in retired.enumerated() {
                if batch.toSeq <= r.untilSeq && batch.fromSeq > lowest { return (r.key, "retired key \(index + 1)") }
                lowest = max(lowest, r.untilSeq)
            }
            return (key, "the enrolled key")
        }
        hashes[0] = ChainHash.genesis
        var covered: Int64 = 0
        for batch in try await storage.batches(node: node.id) where batch.toSeq <= node.headSeq {
            result.batches += 1
            let signer = signer(of: batch)
            guard signer.key.isValid(signature: batch.signature, for: batch.signedMessage) else {
                return fail(batch.toSeq, "the node's signature over batch \(batch.fromSeq)-\(batch.toSeq) does not verify with \(signer.name)")
            }
            guard hashes[batch.fromSeq - 1].map(Hex.encode) == batch.prevHash, hashes[batch.toSeq].map(Hex.encode) == batch.lastHash else {
                return fail(batch.toSeq, "stored entries do not match the signed hashes of batch \(batch.fromSeq)-\(batch.toSeq)")
            }
            guard batch.fromSeq <= covered + 1 else {
                return fail(covered + 1, "no signed batch covers seq \(covered + 1)-\(batch.fromSeq - 1)")
            }
            covered = max(covered, batch.toSeq)
        }
        guard covered >= node.headSeq else {
            return fail(covered + 1, "no signed batch covers seq \(covered + 1)-\(node.headSeq)")
        }
        return result
    }
}
