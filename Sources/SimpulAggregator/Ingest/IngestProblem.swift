import SimpulCore

/// The problems ingest answers with: one factory per refusal, each with its status and a detail that
/// tells the node (and its operator) what to do. Listed in docs/protocol.md.
extension Problem {
    static func malformed(_ detail: String) -> Problem {
        Problem(.malformedBody, title: "Malformed request body", status: 400, detail: detail)
    }
    static func unsupportedVersion(_ given: String) -> Problem {
        Problem(.unsupportedProtocolVersion, title: "Unsupported protocol version", status: 400,
                detail: "this aggregator speaks protocol \(SimpulProtocol.version); the request named '\(given)'. Upgrade the node or the aggregator so they match.")
    }
    static func badSignature(_ node: String) -> Problem {
        Problem(.badSignature, title: "Signature does not verify", status: 401,
                detail: "the request is not signed by the key enrolled for node \(node)")
    }
    static func unknownNode(_ node: String) -> Problem {
        Problem(.unknownNode, title: "Node not enrolled", status: 403,
                detail: "node \(node) is not enrolled; provincial IT enrols it with 'simpul-aggregator nodes add \(node) --public-key KEY'")
    }
    static func revoked(_ node: String, at: String) -> Problem {
        Problem(.nodeRevoked, title: "Node revoked", status: 403,
                detail: "node \(node) was revoked at \(at); its pushes are refused. Contact provincial IT.")
    }
    static func nodeMismatch(path: String, header: String) -> Problem {
        Problem(.nodeMismatch, title: "Node does not match the URL", status: 403,
                detail: "the URL names node \(path) but the batch is from node \(header); a node can only write its own log")
    }
    static func tooLarge(_ detail: String) -> Problem {
        Problem(.tooLarge, title: "Request too large", status: 413, detail: detail)
    }
    static func gap(from: Int64, head: Problem.Head) -> Problem {
        Problem(.gap, title: "Batch does not link to the stored head", status: 409,
                detail: "the batch starts at seq \(from) but the aggregator holds \(head.seq == 0 ? "nothing yet" : "seq 1-\(head.seq)"); resend from seq \(head.seq + 1)",
                head: head, seq: head.seq + 1)
    }
    static func fork(node: String, seq: Int64, head: Problem.Head) -> Problem {
        Problem(.fork, title: "Forked log", status: 409,
                detail: "node \(node) offered a different entry at seq \(seq) than the one the aggregator already holds. "
                    + "The stored log is kept; nothing was overwritten. This happens when a node is restored from an old backup "
                    + "and then records new events. See docs/operations.md, 'A forked log'.",
                head: head, seq: seq)
    }
    static func forked(node: String, seq: Int64, head: Problem.Head) -> Problem {
        Problem(.fork, title: "Node's log is forked", status: 409,
                detail: "node \(node) has a recorded fork at seq \(seq); pushes are refused until the node runs 'simpul recover', which adopts the stored log and appends its other events after it (docs/operations.md, 'A forked log')",
                head: head, seq: seq)
    }
    static func brokenHash(_ detail: String, seq: Int64? = nil) -> Problem {
        Problem(.brokenHash, title: "Hash chain does not verify", status: 422, detail: detail, seq: seq)
    }
    static func invalidEntry(seq: Int64, _ detail: String) -> Problem {
        Problem(.invalidEntry, title: "Invalid log entry", status: 422, detail: "seq \(seq): \(detail)", seq: seq)
    }
    static func duplicateEvent(id: String, node: String, seq: Int64) -> Problem {
        Problem(.duplicateEvent, title: "Event already stored", status: 409,
                detail: "event \(id) is already stored as \(node) seq \(seq); an event is stored exactly once")
    }
    static func busy() -> Problem {
        Problem(.busy, title: "Concurrent pushes", status: 409, detail: "the node's head kept moving during this push; retry")
    }
}
