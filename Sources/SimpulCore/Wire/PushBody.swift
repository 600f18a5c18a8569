import Foundation

/// The (decompressed) body of `POST /v1/nodes/{node}/push` taken apart: the `PushHeader` line, then one entry's bytes
/// per line (docs/protocol.md, "Pushing"). This runs before anything in the body is authenticated, so every bound
/// is checked before the work it bounds; what the header's fields mean is checked by the aggregator afterwards.
public enum PushBody {
    /// Why a body was refused. Each text is the detail the aggregator answers with.
    public enum Failure: Error, Sendable, Equatable {
        /// Not a header line followed by entries (`malformed-body`).
        case malformed(String)
        /// Over one of the bounds (`too-large`).
        case tooLarge(String)
        /// A header of another protocol version: the version it names (`unsupported-protocol-version`).
        case unsupportedVersion(Int)
    }

    /// Splits `body` into its header and the entries' verbatim bytes: at most `limits.maxEntries` entries of at most
    /// `limits.maxEntryBytes` each, a header line of at most `maxHeaderLineBytes`, this protocol's version, and
    /// `1 <= from_seq <= to_seq <= maxSeq` (`maxSeq` at least 1). A final newline is allowed.
    public static func parse(_ body: Data, limits: Limits, maxHeaderLineBytes: Int, maxSeq: Int64) throws(Failure) -> (PushHeader, [Data]) {
        // The header, the entries, and the empty line after a final newline.
        guard var lines = Lines.split(body, atMost: limits.maxEntries + 2) else {
            throw .tooLarge("the batch holds more than \(limits.maxEntries) entries, the limit")
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { throw .malformed("the body is empty; it must be a header line and one entry per line") }
        // Bounded before it is decoded: a header is a few hundred bytes, and nothing here is authenticated yet.
        guard first.count <= maxHeaderLineBytes else {
            throw .tooLarge("the push header line is \(first.count) bytes; the limit is \(maxHeaderLineBytes)")
        }
        let header: PushHeader
        do {
            header = try JSONDecoder().decode(PushHeader.self, from: Data(first))
        } catch {
            throw .malformed("the first line is not a push header (JSON with protocol, node, from_seq, to_seq, prev_hash, last_hash, clock, signature)")
        }
        guard header.protocolVersion == SimpulProtocol.version else { throw .unsupportedVersion(header.protocolVersion) }
        // Bounded before any arithmetic on them (an overflow would stop the process).
        guard (1...maxSeq).contains(header.fromSeq), (header.fromSeq...maxSeq).contains(header.toSeq) else {
            throw .malformed("from_seq and to_seq must satisfy 1 <= from_seq <= to_seq <= \(maxSeq)")
        }
        let entries = lines.dropFirst()
        guard entries.count <= limits.maxEntries else {
            throw .tooLarge("the batch holds \(entries.count) entries; the limit is \(limits.maxEntries)")
        }
        var out = [Data]()
        out.reserveCapacity(entries.count)
        for (offset, line) in entries.enumerated() {
            guard line.count <= limits.maxEntryBytes else {
                throw .tooLarge("entry seq \(header.fromSeq + Int64(offset)) is \(line.count) bytes; the limit is \(limits.maxEntryBytes)")
            }
            out.append(Data(line))
        }
        return (header, out)
    }
}
