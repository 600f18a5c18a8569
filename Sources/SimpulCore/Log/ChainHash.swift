import Crypto
import Foundation

/// The log's hash chain: `hash(n) = SHA-256(hash(n-1) || entry bytes(n))`, with 32 zero bytes before seq 1.
public enum ChainHash {
    public static let genesis = Data(repeating: 0, count: 32)

    public static func next(previous: Data, entry: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: entry)
        return Data(hasher.finalize())
    }
}
