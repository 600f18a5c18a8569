import Foundation
import Logging
import SimpulCore

/// Syncs the node with the aggregator: asks for the head, sends what follows in bounded, gzipped, signed batches,
/// records each receipt, then pulls the node's feed. The aggregator's head is the truth: when it is behind
/// (restored from a backup) the engine re-sends from there by itself; when it is ahead with this log's own
/// entries (a rebuilt node), the engine pulls them back.
public struct SyncEngine: Sendable {
    public let context: NodeContext
    public let signingKey: SigningKey
    public let transport: any SyncTransport
    public let logger: Logger
    public var now: @Sendable () -> Date = { Date() }
    /// Pull the feed after pushing (every sync does, except the daemon's bounded final push when it stops).
    public var pullsFeed = true
    /// What earlier runs of this engine learned of the link (a retry starts from it, not from the first guess).
    let link = LinkMemory()

    public init(context: NodeContext, signingKey: SigningKey, transport: any SyncTransport, logger: Logger) {
        self.context = context
        self.signingKey = signingKey
        self.transport = transport
        self.logger = logger
    }

    var config: NodeConfig { context.config }
    var store: NodeStore { context.store }
    var nodePath: String {
        let base = config.aggregatorURL.hasSuffix("/") ? String(config.aggregatorURL.dropLast()) : config.aggregatorURL
        return "\(base)/v1/nodes/\(config.nodeID)"
    }

    /// One sync under the node's sync lock. Throws on failure (after recording it for `status`).
    public func syncOnce(progress: (@Sendable (_ pushed: Int64, _ total: Int64) -> Void)? = nil) async throws(NodeError) -> SyncReport {
        let lock = try SyncLock.acquire(path: config.syncLockPath)
        defer { withExtendedLifetime(lock) {} }
        do {
            return try await run(progress: progress)
        } catch {
            try? store.recordSyncFailure(error, at: now())
            throw error
        }
    }

    /// What a run has done so far, across resumes.
    struct RunTotals {
        var pushed = 0
        var batches = 0
        var bytesSent = 0
        /// The newest word from the aggregator: a push's receipt or, after a resume, the head read's. The only
        /// receipt ever saved at the end, so an older one never overwrites a newer one.
        var latest: Receipt?
        /// A push was acknowledged in this run.
        var acknowledged = false
        var lastSaved = ContinuousClock.now
        /// Own entries pulled back from the province.
        var adopted = 0
    }

    /// Reads the head, pushes everything after it, and resumes at once after a link failure that followed progress
    /// (the `PushPlanner` decides); the I/O is here, the decisions are the planner's.
    private func run(progress: (@Sendable (Int64, Int64) -> Void)?) async throws(NodeError) -> SyncReport {
        let started = ContinuousClock.now
        let elapsed = { started.duration(to: .now).inSeconds }
        var planner: PushPlanner?
        var totals = RunTotals()
        var resentFrom: Int64?
        while true {
            let remote: HeadResponse
            let roundTrip: Double?
            do {
                (remote, roundTrip) = try await fetchHeadTimed()
            } catch {
                try? saveProgress(totals)
                if var failed = planner {
                    _ = failed.linkFailed(at: elapsed())
                    link.remember(failed.learned)
                }
                throw error
            }
            try checkAggregatorKey(remote.receipt)
            try checkHeadAnswer(remote)
            totals.adopted += try await adoptFromProvince(remoteHead: remote.seq)
            let local = try store.head()
            try checkLinks(remote: remote, localHead: local.seq)
            if try store.rebuildPending() {
                try store.setRebuildPending(false)
                logger.notice("rebuilt from the province; recording continues", metadata: ["sync.head": "\(local.seq)"])
            }
            let state = try store.syncState()
            if remote.seq < state.ackedSeq {
                resentFrom = remote.seq + 1
                logger.warning("aggregator is behind what it acknowledged; re-sending", metadata: [
                    "sync.acked": "\(state.ackedSeq)", "sync.aggregator_head": "\(remote.seq)", "sync.resend_from": "\(remote.seq + 1)",
                ])
            }
            try store.recordReceipt(remote.receipt, at: now(), synced: false)
            totals.latest = remote.receipt
            if planner == nil {
                planner = PushPlanner(acked: remote.seq, tuning: tuning(limits: remote.limits), learned: link.recalled())
            } else {
                planner?.resumed(acked: remote.seq)
            }
            if let roundTrip { planner?.observedRoundTrip(roundTrip) }
            do {
                try await pushAll(&planner!, limits: remote.limits, totals: &totals, elapsed: elapsed, progress: progress)
                link.remember(planner!.learned)
                break
            } catch {
                let recovery = error.isRetryable ? planner!.linkFailed(at: elapsed()) : .giveUp
                link.remember(planner!.learned)
                guard recovery == .retryNow else {
                    try? saveProgress(totals)
                    throw error
                }
                logger.info("link failed after progress; resuming at once", metadata: [
                    "sync.acked": "\(planner!.acked)", "sync.error": "\(error.message)", "sync.batch_entries": "\(planner!.batchEntries)",
                ])
            }
        }
        let head = try store.head()
        // Entries were acknowledged, or there was nothing to push: either way this was a sync.
        if let latest = totals.latest { try store.recordReceipt(latest, at: now(), synced: true) }
        // What the report calls acknowledged comes from a signed receipt only, never from an unsigned field (a gap
        // problem's head): a forged answer cannot make `sync now` say "done" with events still queued.
        let acked = min(planner?.acked ?? 0, totals.latest?.seq ?? 0)
        // Push, then pull: what other nodes recorded on this node's cases, and the province's rules.
        let pulled = pullsFeed ? try await pullFeed() : (entries: 0, cursor: try store.feedState().cursor, bytes: 0)
        var report = SyncReport(
            status: totals.pushed > 0 || totals.batches > 0 ? "pushed" : "nothing_to_push", pushed: totals.pushed, batches: totals.batches,
            bytesSent: totals.bytesSent, headSeq: head.seq, ackedSeq: acked, resentFrom: resentFrom, receipt: totals.latest)
        report.pulled = pulled.entries
        report.feedCursor = pulled.cursor
        report.bytesReceived = pulled.bytes
        report.adopted = totals.adopted > 0 ? totals.adopted : nil
        logger.log(level: totals.pushed > 0 || resentFrom != nil ? .info : .debug, "sync pushed", metadata: [
            "sync.status": "\(report.status)", "sync.pushed": "\(totals.pushed)", "sync.batches": "\(totals.batches)",
            "sync.acked": "\(acked)", "sync.backlog": "\(report.backlog)", "sync.bytes": "\(totals.bytesSent)",
            "sync.resumes": "\(planner?.resumes ?? 0)",
        ])
        return report
    }

    /// Keeps the newest receipt, for `status`, when a run ends in failure; it counts as a sync only if something
    /// was acknowledged.
    func saveProgress(_ totals: RunTotals) throws(NodeError) {
        if let receipt = totals.latest { try store.recordReceipt(receipt, at: now(), synced: totals.acknowledged) }
    }

    /// The longest the engine waits to send the next push while one is on its way.
    static let maxPipelineWait = 10.0

    /// The planner's limits: the node's batch settings within the aggregator's.
    func tuning(limits: Limits) -> PushPlanner.Tuning {
        PushPlanner.Tuning(
            maxEntries: min(config.sync.batchMaxEntries, limits.maxEntries),
            maxBytes: min(config.sync.batchMaxBytes, limits.maxDecompressedBytes - 4096))
    }

    /// Sends batches as the planner allows and handles their answers strictly in order. Anything unexpected drains
    /// the other push and starts over from what the aggregator acknowledged.
    private func pushAll(_ planner: inout PushPlanner, limits: Limits, totals: inout RunTotals, elapsed: () -> Double,
                         progress: (@Sendable (Int64, Int64) -> Void)?) async throws(NodeError) {
        var pending = [InFlightPush]()
        var sendAfter = (seq: planner.acked, hash: try store.hash(at: planner.acked) ?? ChainHash.genesis)
        do throws(NodeError) {
            while true {
                var sendAt: Double?
                sending: while true {
                    switch planner.next(at: elapsed()) {
                    case .send(let next):
                        if next.after != sendAfter.seq { sendAfter = (next.after, try store.hash(at: next.after) ?? ChainHash.genesis) }
                        guard let batch = try prepareBatch(after: next.after, hash: sendAfter.hash, maxEntries: next.maxEntries,
                                                           maxBytes: next.maxBytes, limits: limits)
                        else { planner.nothingToSend(); break sending }
                        pending.append(send(batch))
                        planner.sent(from: batch.header.fromSeq, through: batch.lastSeq, bytes: batch.body.count, at: elapsed())
                        sendAfter = (batch.lastSeq, batch.lastHash)
                    case .wait(let until):
                        sendAt = until
                        break sending
                    case .none:
                        break sending
                    }
                }
                guard !pending.isEmpty else { return }
                // On a slow link the next push goes when this one should have left (at most `maxPipelineWait` from
                // now), unless its answer comes first: a dead link is then noticed at once.
                if let sendAt, case let delay = min(sendAt - elapsed(), Self.maxPipelineWait), delay > 0 {
                    let until = ContinuousClock.now + .milliseconds(Int(delay * 1000) + 1)
                    while ContinuousClock.now < until, !pending[0].answered.isSet {
                        guard !Task.isCancelled else {
                            throw NodeError(.incomplete, Message(.syncStopped), hint: Message(.syncStoppedHint))
                        }
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                    if !pending[0].answered.isSet { continue }
                }
                let flight = pending.removeFirst()
                let header = flight.batch.header
                let response = try await flight.response.value.get()
                totals.bytesSent += response.bytesSent
                if response.status == 409, let problem = decodeProblem(response), problem.problemType == .gap, let head = problem.head {
                    switch planner.answered(.gap(head: head.seq), at: elapsed()) {
                    case .giveUp:
                        throw NodeError(.refused, Message(.headBehindRepeatedly, ["node": config.nodeID, "seq": head.seq]), hint: Message(.syncAgainReport))
                    case .restart(let after):
                        totals.bytesSent += await Self.drain(&pending)
                        if after < (totals.latest?.seq ?? 0) {
                            logger.warning("aggregator head moved; resending from its head", metadata: ["sync.aggregator_head": "\(after)"])
                        }
                    case .proceed:
                        break
                    }
                    continue
                }
                let receipt: Receipt = try decode(response, what: Message(.whatPush, ["from": header.fromSeq, "to": header.toSeq]))
                guard receipt.node == config.nodeID, receipt.seq >= header.fromSeq else {
                    throw NodeError(.refused, Message(.receiptShort, ["from": header.fromSeq, "to": header.toSeq, "seq": receipt.seq]),
                                    hint: Message(.syncAgainReport))
                }
                try checkReceipt(receipt, batch: flight.batch)
                // The aggregator's head is the truth; the local copy only serves `status`. Saving it (a disk sync) at
                // most once a second keeps a long catch-up from paying one per batch.
                if ContinuousClock.now - totals.lastSaved >= .seconds(1) {
                    try store.recordReceipt(receipt, at: now(), synced: true)
                    totals.lastSaved = .now
                }
                totals.latest = receipt
                totals.acknowledged = true
                totals.pushed += receipt.stored
                totals.batches += 1
                if case .restart = planner.answered(.acknowledged(through: receipt.seq), at: elapsed()) {
                    totals.bytesSent += await Self.drain(&pending)
                }
                progress?(receipt.seq, try store.head().seq)
                logger.debug("sync batch acknowledged", metadata: [
                    "sync.to": "\(receipt.seq)", "sync.stored": "\(receipt.stored)", "sync.next_batch": "\(planner.batchEntries)",
                ])
            }
        } catch {
            // No push outlives this run (the lock is released after it).
            totals.bytesSent += await Self.drain(&pending)
            throw error
        }
    }

    /// A receipt is only believed if the pinned aggregator key signed it and it names an entry of this log,
    /// with this log's hash: otherwise a node restored beside its original (or a man in the middle) could be told
    /// it is acknowledged beyond what it holds.
    func checkReceipt(_ receipt: Receipt, batch: PreparedBatch) throws(NodeError) {
        try checkAggregatorKey(receipt)
        let localHash = receipt.seq == batch.lastSeq ? batch.lastHash : try store.hash(at: receipt.seq)
        guard let localHash, Hex.encode(localHash) == receipt.hash else {
            throw NodeError(.fork, Message(.forkReceipt, ["seq": receipt.seq, "node": config.nodeID]), hint: Message(.forkReceiptHint))
        }
    }

    /// The head answer's unsigned fields must say what its signed receipt says, and its limits must be ones a real
    /// aggregator can have: a forged or broken answer is a transport failure, never a crash or a false "done".
    func checkHeadAnswer(_ remote: HeadResponse) throws(NodeError) {
        let r = remote.receipt
        guard remote.node == config.nodeID, r.node == config.nodeID, remote.seq == r.seq, remote.hash == r.hash, r.seq >= 0 else {
            throw NodeError(.serverError, Message(.headReceiptMismatch, ["node": config.nodeID, "remote": remote.seq, "receipt": r.seq]),
                            hint: Message(.checkProvincialHTTPSAgain, ["url": config.aggregatorURL]))
        }
        let l = remote.limits
        let sane = (SimpulProtocol.minBodyBytes...(1 << 30)).contains(l.maxBodyBytes)
            && (SimpulProtocol.minBodyBytes...(1 << 30)).contains(l.maxDecompressedBytes)
            && (SimpulProtocol.minBatchEntries...1_000_000).contains(l.maxEntries)
            && (SimpulProtocol.maxEntryBytes...(1 << 20)).contains(l.maxEntryBytes)
        guard sane else {
            throw NodeError(.serverError, Message(.limitsOutOfRange, ["body": l.maxBodyBytes, "inflated": l.maxDecompressedBytes, "entries": l.maxEntries,
                                                                       "entry": l.maxEntryBytes]),
                            hint: Message(.checkProvincialReport, ["url": config.aggregatorURL]))
        }
    }

    /// Trust on first use: the first valid receipt pins the aggregator's key; a receipt under another key is refused.
    func checkAggregatorKey(_ receipt: Receipt) throws(NodeError) {
        guard receipt.isValidlySigned else {
            throw NodeError(.refused, Message(.receiptUnsigned, ["seq": receipt.seq]), hint: Message(.checkProvincialHTTPS, ["url": config.aggregatorURL]))
        }
        let pinned = try store.pinnedAggregatorKey()
        if let pinned, pinned != receipt.aggregatorKey {
            throw NodeError(.refused, Message(.receiptOtherKey, ["key": receipt.aggregatorKey.prefix(12), "pinned": pinned.prefix(12)]),
                            hint: Message(.receiptOtherKeyHint))
        }
        if pinned == nil { try store.pinAggregatorKey(receipt.aggregatorKey) }
    }


    func send(_ batch: PreparedBatch) -> InFlightPush {
        var headers = requestHeaders()
        headers.append((SimpulProtocol.backlogHeader, String(batch.backlogAfter)))
        headers.append(("Content-Type", SimpulProtocol.pushContentType))
        if config.sync.gzipLevel > 0 { headers.append(("Content-Encoding", "gzip")) }
        let cancellation = TransportCancellation()
        let request = TransportRequest(method: "POST", url: nodePath + "/push", headers: headers, body: batch.body, cancellation: cancellation)
        let transport = transport
        let answered = AnsweredFlag()
        let response = Task { () -> Result<TransportResponse, NodeError> in
            defer { answered.set() }
            do throws(NodeError) { return .success(try await transport.send(request)) } catch { return .failure(error) }
        }
        return InFlightPush(batch: batch, response: response, cancellation: cancellation, answered: answered)
    }

    /// Ends pushes whose answers are no longer wanted: they are cancelled (on a slow link the push after one that
    /// failed would upload for seconds only to be answered `gap`), then awaited, so none is left running. One that
    /// already reached the aggregator may still be stored: ingest is idempotent and the next head read says.
    /// Returns the bytes they sent.
    static func drain(_ pending: inout [InFlightPush]) async -> Int {
        var bytes = 0
        for flight in pending { flight.cancellation.cancel() }
        for flight in pending {
            if case .success(let response) = await flight.response.value { bytes += response.bytesSent }
        }
        pending.removeAll()
        return bytes
    }

    /// A push ready to send: the signed header and the (compressed) body.
    struct PreparedBatch: Sendable {
        var header: PushHeader
        var body: Data
        var lastSeq: Int64
        var lastHash: Data
        /// Entries the node holds after this batch (sent as `Simpul-Backlog`).
        var backlogAfter: Int64
    }

    /// Reads the entries after `seq` and builds the signed, compressed push; nil when there are none.
    func prepareBatch(after seq: Int64, hash: Data, maxEntries: Int, maxBytes: Int, limits: Limits) throws(NodeError) -> PreparedBatch? {
        let entries = try store.entries(after: seq, maxCount: maxEntries, maxBytes: maxBytes)
        guard let last = entries.last else { return nil }
        var header = PushHeader(
            node: config.nodeID, fromSeq: entries[0].entry.seq, toSeq: last.entry.seq, prevHash: Hex.encode(hash),
            lastHash: Hex.encode(last.hash), clock: RFC3339.format(now()))
        header.sign(with: signingKey)
        let plain: Data
        do { plain = try header.body(entries: entries.map(\.entry)) } catch {
            throw NodeError(.storage, Message(.batchEncodeFailed, ["from": header.fromSeq, "to": header.toSeq, "error": "\(error)"]))
        }
        let body = config.sync.gzipLevel > 0 ? Gzip.compress(plain, level: Int32(config.sync.gzipLevel)) : plain
        guard body.count <= limits.maxBodyBytes else {
            throw NodeError(.refused, Message(.batchTooLarge, ["from": header.fromSeq, "to": header.toSeq, "bytes": body.count, "limit": limits.maxBodyBytes]),
                            hint: Message(.batchTooLargeHint))
        }
        let backlog = max(0, try store.head().seq - last.entry.seq)
        return PreparedBatch(header: header, body: body, lastSeq: last.entry.seq, lastHash: last.hash, backlogAfter: backlog)
    }

    /// The aggregator's head for this node, signed.
    func fetchHead() async throws(NodeError) -> HeadResponse {
        try await fetchHeadTimed().head
    }

    /// The head, and how long its answer took to start (the link's round trip: a head read uploads nothing).
    func fetchHeadTimed() async throws(NodeError) -> (head: HeadResponse, roundTrip: Double?) {
        let response = try await sendSigned { clock, counter in
            let signature = signingKey.sign(HeadRequestSignature.message(node: config.nodeID, clock: clock, counter: counter))
            return TransportRequest(method: "GET", url: nodePath + "/head", headers: signedReadHeaders(clock: clock, counter: counter, signature: signature))
        }
        return (try decode(response, what: Message(.whatReadHead)), response.secondsToFirstByte)
    }

    /// The aggregator must hold a prefix of this node's log; anything else is a fork a person must resolve.
    func checkLinks(remote: HeadResponse, localHead: Int64) throws(NodeError) {
        if remote.seq > localHead {
            let acked = (try? store.syncState().ackedSeq) ?? 0
            let since = acked < localHead ? Message(.forkBehindSince, ["from": acked + 1, "to": localHead]) : .verbatim("")
            throw NodeError(.fork, Message(.forkBehind, ["remote": remote.seq, "node": config.nodeID, "local": localHead], parts: ["since": since]),
                            hint: Message(.forkBehindHint))
        }
        if remote.seq > 0, let localHash = try store.hash(at: remote.seq), Hex.encode(localHash) != remote.hash {
            throw NodeError(.fork, Message(.forkDiffers, ["seq": remote.seq]), hint: Message(.forkReceiptHint))
        }
    }

    func requestHeaders() -> [(String, String)] {
        [
            (SimpulProtocol.versionHeader, String(SimpulProtocol.version)),
            (SimpulProtocol.nodeHeader, config.nodeID),
            (SimpulProtocol.clockHeader, RFC3339.format(now())),
            ("Accept", "application/json"),
        ]
    }

    func decodeProblem(_ response: TransportResponse) -> Problem? {
        try? JSONDecoder().decode(Problem.self, from: response.body)
    }

    func decode<T: Decodable>(_ response: TransportResponse, what: Message) throws(NodeError) -> T {
        if (200..<300).contains(response.status) {
            do { return try JSONDecoder().decode(T.self, from: response.body) } catch {
                throw NodeError(.serverError, Message(.answerUnreadable, ["status": response.status], parts: ["what": what]),
                                hint: Message(.checkIsAggregator, ["url": config.aggregatorURL]))
            }
        }
        let problem = decodeProblem(response)
        let detail = problem.map { "\($0.title): \($0.detail)" } ?? "HTTP \(response.status)"
        if response.status >= 500 {
            throw NodeError(.serverError, Message(.aggregatorFailed, ["status": response.status, "detail": detail], parts: ["what": what]),
                            hint: Message(.aggregatorFailedHint))
        }
        switch problem?.problemType {
        case .fork:
            throw NodeError(.fork, Message(.refusedFork, ["detail": detail], parts: ["what": what]), hint: Message(.refusedForkHint))
        case .busy:
            throw NodeError(.serverError, Message(.refusedDetail, ["detail": detail], parts: ["what": what]), hint: Message(.aggregatorBusyHint))
        case .nodeRevoked:
            throw NodeError(.revoked, Message(.nodeRevoked, ["detail": detail], parts: ["what": what]), hint: Message(.contactProvincialIT))
        case .unknownNode:
            throw NodeError(.refused, Message(.refusedDetail, ["detail": detail], parts: ["what": what]), hint: Message(.unknownNodeHint))
        case .badSignature:
            throw NodeError(.refused, Message(.refusedDetail, ["detail": detail], parts: ["what": what]),
                            hint: Message(.badSignatureHint, ["node": config.nodeID]))
        case nil where response.status == 404:
            throw NodeError(.refused, Message(.notFound404, ["url": config.aggregatorURL], parts: ["what": what]), hint: Message(.checkAggregatorURL))
        default:
            throw NodeError(.refused, Message(.refusedHTTP, ["status": response.status, "detail": detail], parts: ["what": what]))
        }
    }
}
