import Crypto
import Foundation

/// An Ed25519 key pair: a node's (signs its push batches) or the aggregator's (signs receipts).
/// Keys travel and sit in files as base64 of the 32 raw bytes.
public struct SigningKey: Sendable {
    /// Raw bytes: CryptoKit's key types are not `Sendable`; rebuilding one per signature is cheap.
    let raw: Data
    var key: Curve25519.Signing.PrivateKey {
        // `raw` was validated when this value was made.
        (try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)) ?? Curve25519.Signing.PrivateKey()
    }

    public init() { raw = Curve25519.Signing.PrivateKey().rawRepresentation }

    public init(base64: String) throws(ValidationError) {
        let trimmed = base64.trimmingCharacters(in: " \n\r\t")
        guard let raw = Data(base64Encoded: trimmed), (try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)) != nil else {
            throw ValidationError(field: "private_key", value: nil, reason: "is not a base64 Ed25519 private key (32 bytes)")
        }
        self.raw = raw
    }

    public var base64: String { raw.base64EncodedString() }
    public var publicKey: PublicKey { PublicKey(raw: key.publicKey.rawRepresentation) }

    public func sign(_ message: Data) -> String {
        // Signing only fails on a broken private key, which the initialisers rule out.
        (try? key.signature(for: message))?.base64EncodedString() ?? ""
    }
}

/// An Ed25519 public key, as enrolled on the aggregator (`nodes add --public-key`).
public struct PublicKey: Sendable, Equatable {
    let raw: Data

    init(raw: Data) { self.raw = raw }

    public init(base64: String) throws(ValidationError) {
        let trimmed = base64.trimmingCharacters(in: " \n\r\t")
        guard let raw = Data(base64Encoded: trimmed), (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
            throw ValidationError(field: "public_key", value: base64, reason: "is not a base64 Ed25519 public key (32 bytes, 44 characters)")
        }
        self.raw = raw
    }

    public var base64: String { raw.base64EncodedString() }

    public func isValid(signature base64: String, for message: Data) -> Bool {
        guard let signature = Data(base64Encoded: base64),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}
