// The libFuzzer entry points of the one fuzzer binary Tests/fuzz/run.sh builds with `swiftc -sanitize=fuzzer,address`
// from these files and the SimpulCore sources the parsers are made of (no package dependencies; Crypto is the stub
// in CryptoStub.swift). Each run fuzzes one target, named by SIMPUL_FUZZ_TARGET, from its own corpus
// (Tests/fuzz/corpus/TARGET), so coverage guides each run into one parser and each reports its own executions:
//   entry  the byte-level JSON parser, the strict log-entry decoder, event input and line splitting (EntryFuzzer.swift)
//   push   the aggregator's gzip inflation and push body parser, then what ingest does to the entries (PushFuzzer.swift)
//   feed   the node's decoding and checking of feed pages and the other answers it reads (FeedFuzzer.swift)
// With SIMPUL_FUZZ_SEEDS=DIR set, the binary writes the push and feed seeds into DIR/push and DIR/feed instead
// (Seeds.swift; run.sh does it when given SIMPUL_FUZZ_SEEDS).
import Crypto
import Foundation

/// One thing the binary can fuzz.
enum FuzzTarget: String, CaseIterable {
    case entry, push, feed

    /// The target this process fuzzes; read once (the fuzzer stops at start when it names none of them).
    static let selected = FuzzTarget(rawValue: ProcessInfo.processInfo.environment["SIMPUL_FUZZ_TARGET"] ?? "")
}

/// Stops the process, as a crash the fuzzer keeps, when a property of a parser's result does not hold.
func expect(_ condition: @autoclosure () -> Bool, _ what: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz property failed: \(what())") }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutableRawPointer, _ argv: UnsafeMutableRawPointer) -> CInt {
    // Hashes in the seeds and rules versions are only right if the stand-in SHA-256 is (FIPS 180-2, B.1 and B.2).
    let vectors = [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ]
    for (text, digest) in vectors where Hex.encode(Data(SHA256.hash(data: Data(text.utf8)))) != digest {
        fatalError("the stand-in SHA-256 gives a wrong digest for \"\(text)\"")
    }
    if let directory = ProcessInfo.processInfo.environment["SIMPUL_FUZZ_SEEDS"] {
        do { try Seeds.write(to: URL(fileURLWithPath: directory)) } catch {
            FileHandle.standardError.write(Data("could not write the seeds: \(error)\n".utf8))
            exit(1)
        }
        exit(0)
    }
    guard FuzzTarget.selected != nil else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("set SIMPUL_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    // Whatever the input, each parser returns a value or throws; it must never trap or read out of bounds.
    switch FuzzTarget.selected {
    case .entry: fuzzEntry(bytes)
    case .push: fuzzPush(bytes)
    case .feed: fuzzFeed(bytes)
    case nil: break
    }
    return 0
}
