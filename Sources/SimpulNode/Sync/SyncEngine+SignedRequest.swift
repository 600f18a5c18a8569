import Foundation
import SimpulCore

/// Signed requests carry the node's clock and a request counter the aggregator accepts once each, increasing: a
/// replayed request changes nothing there. A node restored from a backup may use a counter the aggregator has
/// seen; it is told the last one (`409 stale-counter`), moves past it and asks once more.
extension SyncEngine {
    /// Sends the request `build(clock, counter)` makes, moving past a stale counter once.
    func sendSigned(_ build: (_ clock: String, _ counter: Int64) throws(NodeError) -> TransportRequest) async throws(NodeError) -> TransportResponse {
        var attempt = 0
        while true {
            let counter = try store.nextRequestCounter(floor: Int64(now().timeIntervalSince1970 * 1000))
            let response = try await transport.send(try build(RFC3339.format(now()), counter))
            guard response.status == 409, attempt == 0, let problem = decodeProblem(response),
                  problem.problemType == .staleCounter, let last = problem.seq, last < Int64.max - 1
            else { return response }
            logger.notice("request counter behind the aggregator's; moving past it", metadata: ["sync.counter": "\(counter)", "sync.aggregator_counter": "\(last)"])
            try store.raiseRequestCounter(past: last)
            attempt += 1
        }
    }

    /// The protocol headers of a signed read, with its clock, counter and signature.
    func signedReadHeaders(clock: String, counter: Int64, signature: String) -> [(String, String)] {
        [
            (SimpulProtocol.versionHeader, String(SimpulProtocol.version)),
            (SimpulProtocol.nodeHeader, config.nodeID),
            (SimpulProtocol.clockHeader, clock),
            (SimpulProtocol.counterHeader, String(counter)),
            (SimpulProtocol.signatureHeader, signature),
            ("Accept", "application/json"),
        ]
    }
}
