import Crypto
import Foundation
import SimpulCore

/// Who the simulated nodes of `simpul-bench load` are: node `index` (0-based) of a run with `seed` always has the same id
/// and the same Ed25519 key, so `--enrol-file` (run before the aggregator serves) and the load itself (a second run)
/// agree without storing keys anywhere.
///
/// Ids are real kecamatan codes of the shipped list (those with desa, so the events are valid and nothing is
/// quarantined) with a two-digit suffix: node `index` is kecamatan `index % K` with suffix `index / K + 1`, so the
/// first K nodes cover every kecamatan once and up to 99 x K nodes fit.
struct LoadIdentity: Sendable {
    /// The kecamatan codes with at least one desa in the shipped wilayah list, sorted, and each one's desa codes.
    let kecamatan: [String]
    let desaByKecamatan: [String: [String]]
    let seed: UInt64

    init(seed: UInt64) {
        var desa = [String: [String]]()
        for (code, row) in Wilayah.shipped.desa { desa[row.kecamatan, default: []].append(code) }
        for key in desa.keys { desa[key]!.sort() }
        self.desaByKecamatan = desa
        self.kecamatan = desa.keys.sorted()
        self.seed = seed
    }

    /// The most nodes this scheme names (the suffix runs 01-99).
    var capacity: Int { kecamatan.count * 99 }

    func kecamatan(of index: Int) -> String { kecamatan[index % kecamatan.count] }

    func nodeID(_ index: Int) -> String {
        let suffix = index / kecamatan.count + 1
        return kecamatan(of: index) + (suffix < 10 ? "-0\(suffix)" : "-\(suffix)")
    }

    /// The node's signing key: SHA-256 of the seed and the index, as the 32 raw bytes of an Ed25519 private key.
    func signingKey(_ index: Int) throws -> SigningKey {
        let digest = SHA256.hash(data: Data("simpul-bench-load-key\n\(seed)\n\(index)".utf8))
        return try SigningKey(base64: Data(digest).base64EncodedString())
    }

    /// The key the nodes' pseudonyms are made with (one per run, as a province's nodes share one).
    func pseudonymizer() throws -> Pseudonymizer {
        let digest = SHA256.hash(data: Data("simpul-bench-load-pseudonym\n\(seed)".utf8))
        return try Pseudonymizer(keyBytes: Data(digest))
    }

    /// A seed for node `index`'s event generator, distinct per node and per run.
    func generatorSeed(_ index: Int) -> UInt64 {
        var generator = SeededGenerator(seed: seed &+ 0x5157_4D50_554C &* UInt64(index + 1))
        return generator.next()
    }

    /// The lines `simpul-aggregator nodes add --file` reads: `node_id,public_key`.
    func enrolment(nodes: Int) throws -> String {
        var out = ""
        for index in 0..<nodes {
            out += "\(nodeID(index)),\(try signingKey(index).publicKey.base64)\n"
        }
        return out
    }
}
