import Foundation
import SimpulCore

/// `simpul recover`: the way back from a forked log (a node restored from an old backup that then recorded new
/// events). The province's log is the truth up to its head; local events it lacks are appended again after it.
extension SyncEngine {
    /// Under the sync lock: pulls the province's copy from the last seq both sides are known to share, finds where the
    /// logs part, rewrites the local log onto the province's (keeping the replaced entries as evidence), and tells the
    /// aggregator, which then accepts pushes again. Safe to run again after a failure at any point.
    public func recover() async throws(NodeError) -> RecoverReport {
        let lock = try SyncLock.acquire(path: config.syncLockPath)
        defer { withExtendedLifetime(lock) {} }
        let remote = try await fetchHead()
        try checkAggregatorKey(remote.receipt)
        try checkHeadAnswer(remote)
        let local = try store.head()
        let acked = try store.syncState().ackedSeq
        // Entries up to the last verified receipt matched the province's when it was issued.
        var start = min(acked, local.seq, remote.seq)
        if let localHash = try store.hash(at: start), start > 0 {
            let province = try await fetchOwnLog(after: start - 1, through: start)
            if province.first?.hash != localHash { start = 0 }
        }
        let province = try await fetchOwnLog(after: start, through: remote.seq)
        var divergedAt: Int64?
        for entry in province where entry.seq <= local.seq {
            if try store.hash(at: entry.seq) != entry.hash {
                divergedAt = entry.seq
                break
            }
        }
        var report = RecoverReport(node: config.nodeID, divergedAt: divergedAt, adopted: 0, reappended: [], evidence: [],
                                   headSeq: local.seq, aggregatorResolved: false)
        if let divergedAt {
            let replacing = province.filter { $0.seq >= divergedAt }
            let result = try store.rewriteOnProvince(replacing, divergedAt: divergedAt, node: config.nodeID, at: now())
            report.adopted = replacing.count
            report.adoptedFrom = replacing.first?.seq
            report.adoptedThrough = replacing.last?.seq
            report.reappended = result.reappended
            report.evidence = result.evidence
            logger.notice("recovered onto the province's log", metadata: [
                "recover.diverged_at": "\(divergedAt)", "recover.adopted": "\(replacing.count)",
                "recover.reappended": "\(result.reappended.count)", "recover.evidence": "\(result.evidence.count)",
            ])
        } else if remote.seq > local.seq {
            let rest = province.filter { $0.seq > local.seq }
            report.adopted = try store.adoptProvinceEntries(rest, node: config.nodeID)
            report.adoptedFrom = rest.first?.seq
            report.adoptedThrough = rest.last?.seq
        }
        report.headSeq = try store.head().seq
        // The local log now holds the province's entries up to its head: say so, so it accepts this node again.
        let response = try await sendSigned { (clock, counter) throws(NodeError) -> TransportRequest in
            var request = RecoverRequest(node: config.nodeID, seq: remote.seq, hash: remote.hash, clock: clock, counter: counter)
            request.sign(with: signingKey)
            var headers = requestHeaders()
            headers.append(("Content-Type", "application/json"))
            guard let body = try? JSONEncoder().encode(request) else { throw NodeError(.storage, Message(.recoverEncodeFailed)) }
            return TransportRequest(method: "POST", url: nodePath + "/recover", headers: headers, body: body)
        }
        let answer: HeadResponse = try decode(response, what: Message(.whatRecover))
        try checkAggregatorKey(answer.receipt)
        report.aggregatorResolved = answer.state != .forked
        try store.recordReceipt(answer.receipt, at: now(), synced: false)
        return report
    }
}
