// The `entry` target: the parsers every hostile input goes through first. The byte-level JSON parser (event input on
// every path), the strict log-entry decoder (every pushed entry, every feed item) and the event input splitter.
import Foundation

func fuzzEntry(_ bytes: Data) {
    if let value = try? JSONParser.parse(bytes) {
        _ = value.depth
        _ = value.displayText
        var out = [UInt8]()
        CanonicalJSON.append(value, to: &out)
        if case .object(let object) = value { _ = try? Event(json: object) }
    }
    if let content = try? LogEntry(seq: 1, bytes: bytes).decode() {
        _ = try? content.event.canonicalJSON()
    }
    _ = try? EventInput.objects(from: bytes)
    _ = Lines.split(bytes, atMost: 1000)
}
