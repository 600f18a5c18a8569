import Foundation

/// Event input as a front-desk application sends it: one JSON object, or `{"events": [...]}`. Parsed by the same
/// byte-level `JSONParser` as `simpul record --file`, so the same input gets the same answer on every path
/// (the CLI, the local API, the control socket): duplicate keys, invalid UTF-8 and numbers out of range alike.
public enum EventInput {
    /// The event objects of a body; a refusal says what the body should have been.
    public static func objects(from body: Data) throws(ValidationError) -> [[String: JSONValue]] {
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(body) } catch {
            throw ValidationError(field: "(body)", value: nil, reason: Message(.vNotJSON, ["error": "\(error)"]))
        }
        guard case .object(let object) = parsed else {
            throw ValidationError(field: "(body)", value: nil, reason: Message(.vBodyShape))
        }
        guard let batch = object["events"], object.count == 1 || object["kind"] == nil else { return [object] }
        guard object.count == 1, case .array(let items) = batch else {
            throw ValidationError(field: "events", value: nil, reason: Message(.vEventsKey))
        }
        return try objects(in: items)
    }

    /// The items of an `events` array, each of which must be an event object.
    public static func objects(in items: [JSONValue]) throws(ValidationError) -> [[String: JSONValue]] {
        var out = [[String: JSONValue]]()
        out.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object(let event) = item else {
                throw ValidationError(field: "events[\(index)]", value: nil, reason: Message(.vEventObject))
            }
            out.append(event)
        }
        return out
    }
}
