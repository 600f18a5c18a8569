import Foundation
import NIOCore
import NIOHTTP1
import SimpulCore

/// What one simulated node's pushes came to.
struct NodeOutcome: Sendable {
    /// Seconds per successful push request (from holding a permit to the receipt's last byte).
    var latencies: [Double] = []
    /// When each request of the node was out (sent to answered or failed), in seconds after the load's clock started.
    var requests: [ClosedRange<Double>] = []
    /// Entries the aggregator's receipts acknowledged (the node's head as its last receipt named it).
    var acknowledged = 0
    /// As the receipts counted them: newly stored, already held (a retried push that had been stored), held in quarantine.
    var stored = 0
    var duplicates = 0
    var quarantined = 0
    var retries = RetryCounts()
    /// Why the node stopped before its backlog was acknowledged (a refusal, or retries past `--give-up`).
    var error: String?
    /// When its last push ended, in seconds after the load's clock started.
    var finishedAt = 0.0
}

/// Retries by cause: `503` (busy, database unavailable), `409 gap` / `409 busy` (the node's head moved meanwhile),
/// and a connection that failed or an answer that did not arrive in time.
struct RetryCounts: Sendable, Codable {
    var unavailable = 0
    var conflict = 0
    var connection = 0

    var total: Int { unavailable + conflict + connection }

    static func + (a: RetryCounts, b: RetryCounts) -> RetryCounts {
        RetryCounts(unavailable: a.unavailable + b.unavailable, conflict: a.conflict + b.conflict, connection: a.connection + b.connection)
    }
}

/// Pushes one simulated node's backlog to its replica as the node's sync engine would: batch after batch, each
/// signed at send time and gzipped, the next one only after the receipt of the one before; a `503` or a failed
/// connection is retried after a short backoff (honouring `Retry-After`), as is a `409 gap` or `409 busy`; any other
/// answer but `200` ends the node with an error.
struct LoadPusher: Sendable {
    let client: LoadHTTPClient
    let batch: Int
    let gzipLevel: Int32
    /// A batch still failing (only retriable answers) this long after its first try counts as an error.
    let giveUpSeconds: Double

    /// Pushes the whole backlog; `clock` is when the load started (the zero of `NodeOutcome`'s times).
    func push(_ node: LoadNode, to endpoint: LoadEndpoint, clock: ContinuousClock.Instant) async -> NodeOutcome {
        var outcome = NodeOutcome()
        for range in node.batches(of: batch) {
            guard await push(node, range, to: endpoint, clock: clock, into: &outcome) else { break }
        }
        return outcome
    }

    /// One batch until its receipt; false when the node must stop (`outcome.error` says why).
    private func push(_ node: LoadNode, _ range: ClosedRange<Int64>, to endpoint: LoadEndpoint, clock: ContinuousClock.Instant,
                      into outcome: inout NodeOutcome) async -> Bool {
        let what = "node \(node.id): push of seq \(range.lowerBound)-\(range.upperBound) to \(endpoint.url)"
        let body: ByteBuffer
        do {
            body = ByteBuffer(bytes: try node.pushBody(range, gzipLevel: gzipLevel))
        } catch {
            outcome.error = "\(what): cannot build the body: \(error)"
            return false
        }
        let firstTry = ContinuousClock.now
        var attempt = 0
        while true {
            let sent = clock.duration(to: .now).inSeconds
            let verdict = await send(node, range, body: body, to: endpoint, attempt: attempt)
            outcome.requests.append(sent...clock.duration(to: .now).inSeconds)
            let delay: Double, failure: String
            switch verdict {
            case .acknowledged(let receipt, let seconds):
                outcome.latencies.append(seconds)
                outcome.acknowledged = Int(receipt.seq)
                outcome.stored += receipt.stored
                outcome.duplicates += receipt.duplicates
                outcome.quarantined = receipt.quarantined ?? 0
                return true
            case .refused(let why):
                outcome.error = "\(what): \(why)"
                return false
            case .unavailable(let after, let why):
                outcome.retries.unavailable += 1
                (delay, failure) = (after, why)
            case .conflict(let after, let why):
                outcome.retries.conflict += 1
                (delay, failure) = (after, why)
            case .connection(let after, let why):
                outcome.retries.connection += 1
                (delay, failure) = (after, why)
            }
            if firstTry.duration(to: .now).inSeconds + delay > giveUpSeconds {
                outcome.error = "\(what): given up after \(attempt + 1) tries in \(Int(giveUpSeconds)) s; last: \(failure)"
                return false
            }
            attempt += 1
            try? await Task.sleep(for: .seconds(delay))
        }
    }

    /// What one request came to; a retriable one carries the delay before the next try.
    enum Verdict {
        case acknowledged(Receipt, seconds: Double)
        case refused(String)
        case unavailable(after: Double, String)
        case conflict(after: Double, String)
        case connection(after: Double, String)
    }

    private func send(_ node: LoadNode, _ range: ClosedRange<Int64>, body: ByteBuffer, to endpoint: LoadEndpoint, attempt: Int) async -> Verdict {
        var headers = [
            (SimpulProtocol.versionHeader, String(SimpulProtocol.version)), (SimpulProtocol.nodeHeader, node.id),
            (SimpulProtocol.clockHeader, RFC3339.format(Date())), ("Content-Type", SimpulProtocol.pushContentType),
        ]
        if gzipLevel > 0 { headers.append(("Content-Encoding", "gzip")) }
        let timed: LoadHTTPClient.Timed
        do {
            timed = try await client.send(.POST, "/v1/nodes/\(node.id)/push", to: endpoint, headers: headers, body: body)
        } catch {
            return .connection(after: Self.backoff(attempt), "\(error)")
        }
        let answer = timed.answer
        let text = String(buffer: answer.body)
        switch answer.status {
        case 200:
            guard let receipt = try? JSONDecoder().decode(Receipt.self, from: Data(answer.body.readableBytesView)) else {
                return .refused("200 without a receipt: \(text.prefix(300))")
            }
            let hash = Hex.encode(node.hashes[Int(range.upperBound)])
            guard receipt.node == node.id, receipt.seq == range.upperBound, receipt.hash == hash else {
                return .refused("the receipt names \(receipt.node) seq \(receipt.seq) hash \(receipt.hash.prefix(12))…, not the batch's last entry")
            }
            return .acknowledged(receipt, seconds: timed.seconds)
        case 503:
            let retryAfter = answer.headers.first(name: "Retry-After").flatMap(Double.init) ?? 1
            return .unavailable(after: min(max(retryAfter, 0.1), 10) * Double.random(in: 1...1.5), "503 \(text.prefix(200))")
        case 409 where ["gap", "busy"].contains(Self.problemType(answer.body)):
            return .conflict(after: Self.backoff(attempt), "409 \(text.prefix(200))")
        default:
            return .refused("answered \(answer.status): \(text.prefix(300))")
        }
    }

    /// 100 ms doubling to at most 2 s, each with jitter, so thousands of nodes do not come back in step.
    static func backoff(_ attempt: Int) -> Double {
        min(0.1 * Double(1 << min(attempt, 5)), 2) * Double.random(in: 0.5...1)
    }

    /// The `type` of a problem body, or "" when the body is not one.
    static func problemType(_ body: ByteBuffer) -> String {
        (try? JSONDecoder().decode(Problem.self, from: Data(body.readableBytesView)))?.type ?? ""
    }
}
