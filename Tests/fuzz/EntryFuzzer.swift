// A libFuzzer target for the parsers every hostile input goes through first: the byte-level JSON parser (event
// input on every path), the strict log-entry decoder (every pushed entry, every feed item) and the event input
// splitter. Built by Tests/fuzz/run.sh with `swiftc -sanitize=fuzzer,address` together with the SimpulCore files
// these parsers are made of (no package dependencies), so coverage guides the fuzzer into them.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    // Whatever the input, each parser returns a value or throws; it must never trap or read out of bounds.
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
    return 0
}
