import Crypto
import Foundation

/// Turns a NIK into `subject` = HMAC-SHA-256(provincial key, NIK), in lower-case hex.
///
/// The key stays on the nodes: with it, the small NIK space could be brute-forced, so the aggregator never
/// holds it. Nodes of one province share the key so one citizen's cases link across kecamatan.
public struct Pseudonymizer: Sendable {
    /// Raw bytes: `SymmetricKey` is not `Sendable`, and building one per use is cheap.
    private let keyBytes: Data

    /// The minimum key length: HMAC-SHA-256 wants at least 32 bytes of secret.
    public static let minimumKeyBytes = 32

    public init(keyBytes: Data) throws(ValidationError) {
        guard keyBytes.count >= Self.minimumKeyBytes else {
            throw ValidationError(
                field: "pseudonym_key", value: "\(keyBytes.count) bytes",
                reason: "must be at least \(Self.minimumKeyBytes) bytes of secret")
        }
        self.keyBytes = keyBytes
    }

    public func subject(for nik: NIK) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(nik.digits.utf8), using: SymmetricKey(data: keyBytes)))
    }

    /// A new random key, for `init` when provincial IT has not handed one out.
    public static func generateKeyBytes() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }
}
