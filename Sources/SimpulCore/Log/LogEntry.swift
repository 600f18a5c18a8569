import Foundation

/// One entry of a node's change log. Its bytes are fixed when the event is recorded: they are what is
/// hashed, signed, sent and stored verbatim by the aggregator, so nothing ever depends on re-encoding.
///
/// The bytes are compact JSON: `{"event":{...},"hlc":N,"node":"35.07.01","rules":"r-…","seq":N}` (keys sorted;
/// `rules`, the version of the rules the event was checked against, is absent in entries recorded before the feed).
public struct LogEntry: Sendable, Equatable {
    public var seq: Int64
    public var bytes: Data

    public init(seq: Int64, bytes: Data) {
        self.seq = seq
        self.bytes = bytes
    }

    /// Builds the bytes of a new entry around an event's canonical JSON.
    public static func encode(seq: Int64, node: String, hlc: HLCTimestamp, eventJSON: Data, rules: String? = nil) -> Data {
        var out = Data(capacity: eventJSON.count + 96)
        out.append(contentsOf: #"{"event":"#.utf8)
        out.append(eventJSON)
        out.append(contentsOf: #","hlc":\#(hlc.packed),"node":"\#(node)""#.utf8)
        if let rules { out.append(contentsOf: #","rules":"\#(rules)""#.utf8) }
        out.append(contentsOf: #","seq":\#(seq)}"#.utf8)
        return out
    }

    /// The decoded content of an entry's bytes.
    public struct Content: Sendable {
        public var event: Event
        public var hlc: Int64
        public var node: String
        public var seq: Int64
        /// The rules version the event was checked against (absent before the feed).
        public var rules: String?

        public init(event: Event, hlc: Int64, node: String, seq: Int64, rules: String? = nil) {
            self.event = event
            self.hlc = hlc
            self.node = node
            self.seq = seq
            self.rules = rules
        }
    }

    /// A rules version as an entry names it: `r-` and 16 lower-case hex digits.
    public static func isRulesVersionShaped(_ text: String) -> Bool {
        text.utf8.count == 18 && text.hasPrefix("r-") && text.utf8.dropFirst(2).allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// Parses the entry's bytes strictly: exactly the keys `event`, `hlc`, `node`, `seq`, of the right types.
    /// Read member by member (no dictionaries): ingest decodes every entry it receives.
    public func decode() throws -> Content {
        let shape = ValidationError(field: "(entry)", value: nil, reason: "must hold exactly event (object), hlc, node, seq and optionally rules")
        return try JSONParser.reading(bytes) { parser throws -> Content in
            guard try parser.enterObject() else { throw ValidationError(field: "(entry)", value: nil, reason: "must be a JSON object") }
            var event: Event?
            var hlc: Int64?
            var node: String?
            var seq: Int64?
            var rules: String?
            var first = true
            while let (key, offset) = try parser.nextKey(first: &first) {
                let seen: Bool
                switch key {
                case "event":
                    seen = event != nil
                    guard try parser.enterObject() else { throw shape }
                    event = try Event(parsing: &parser)
                case "hlc":
                    seen = hlc != nil
                    guard case .integer(let value) = try parser.value() else { throw shape }
                    hlc = value
                case "node":
                    seen = node != nil
                    guard case .string(let value) = try parser.value() else { throw shape }
                    node = value
                case "rules":
                    seen = rules != nil
                    guard case .string(let value) = try parser.value(), Self.isRulesVersionShaped(value) else { throw shape }
                    rules = value
                case "seq":
                    seen = seq != nil
                    guard case .integer(let value) = try parser.value() else { throw shape }
                    seq = value
                default:
                    throw shape
                }
                if seen { throw JSONParser.duplicateKey(key, at: offset) }
            }
            guard let event, let hlc, let node, let seq else { throw shape }
            return Content(event: event, hlc: hlc, node: node, seq: seq, rules: rules)
        }
    }
}
