import Foundation
import GRDB
import SimpulCore

/// An event validated and encoded, ready to append.
public struct PreparedEvent: Sendable {
    public var event: Event
    public var json: Data

    public init(_ event: Event) throws(NodeError) {
        self.event = event
        do { json = try event.canonicalJSON() } catch {
            throw NodeError(.invalidEvent, Message(.eventEncodeFailed, ["id": event.id, "error": "\(error)"]))
        }
        // "Recorded" must mean "pushable": the entry around this event must fit the protocol's entry limit.
        guard json.count + Self.entryEnvelopeBytes <= EventLimits.entryBytes else {
            throw NodeError(.invalidEvent, Message(.eventTooLarge, ["bytes": json.count, "limit": EventLimits.entryBytes]),
                            hint: Message(.eventTooLargeHint))
        }
    }

    /// The most an entry adds around its event: the `hlc`, `node`, `rules` and `seq` members and the braces.
    static let entryEnvelopeBytes = 192
}

/// What an append stored: the event id and its place in the log.
public struct AppendedEntry: Sendable, Equatable, Codable {
    public var id: String
    public var seq: Int64
    public var caseID: String

    enum CodingKeys: String, CodingKey {
        case id, seq
        case caseID = "case"
    }
}

extension NodeStore {
    /// Appends events and their log entries in one transaction: all are stored, or none.
    ///
    /// `wallMillis` is read once per entry, inside the write lock, and fed through the hybrid logical clock
    /// restored from the newest entry, so stamps stay monotonic even when the PC's clock jumps back.
    /// `rules` is the version of the rules the events were checked against; each entry names it. The clock also stays
    /// above every event received through the feed, so a reply is always ordered after what it answers.
    public func append(_ events: [PreparedEvent], node: String, rules: String? = nil,
                       wallMillis: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) })
        throws(NodeError) -> [AppendedEntry]
    {
        do {
            return try pool.write { db in
                var head = try Self.head(db)
                let received = try Int64.fetchOne(db, sql: "SELECT max_hlc FROM feed_state WHERE id = 1") ?? 0
                var clock = HybridLogicalClock(last: max(head.hlc, HLCTimestamp(packed: received)))
                let insertLog = try db.cachedStatement(sql: "INSERT INTO log(seq, hlc, bytes, hash) VALUES (?, ?, ?, ?)")
                let insertEvent = try db.cachedStatement(sql: """
                    INSERT INTO events(id, seq, kind, case_id, service, desa, occurred_at, subject, case_node, provider)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                var out = [AppendedEntry]()
                out.reserveCapacity(events.count)
                for (index, prepared) in events.enumerated() {
                    let e = prepared.event
                    let seq = head.seq + 1
                    let stamp = clock.tick(wallMillis: wallMillis())
                    let bytes = LogEntry.encode(seq: seq, node: node, hlc: stamp, eventJSON: prepared.json, rules: rules)
                    let hash = ChainHash.next(previous: head.hash, entry: bytes)
                    insertLog.setUncheckedArguments([seq, stamp.packed, bytes, hash])
                    try insertLog.execute()
                    insertEvent.setUncheckedArguments([e.id, seq, e.kind.rawValue, e.caseID, e.service, e.desa, e.occurredAt, e.subject,
                                                       e.caseNode, e.provider])
                    do {
                        try insertEvent.execute()
                    } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                        // The primary key refuses an id recorded before; say which, and where it is.
                        let existing = try Int64.fetchOne(db, sql: "SELECT seq FROM events WHERE id = ?", arguments: [e.id])
                        let which = events.count > 1 ? Message(.eventDuplicateWhich, ["index": index + 1]) : .verbatim("")
                        throw NodeError(.invalidEvent, Message(.eventDuplicate, ["id": e.id, "seq": existing ?? 0], parts: ["which": which]),
                                        hint: Message(.eventDuplicateHint))
                    }
                    head = Head(seq: seq, hash: hash, hlc: stamp)
                    out.append(AppendedEntry(id: e.id, seq: seq, caseID: e.caseID))
                }
                return out
            }
        } catch let error as NodeError {
            throw error
        } catch {
            throw NodeError.storage(.opRecording, path: path, error)
        }
    }
}
