import Crypto
import Foundation

/// The rules a province sends every node through its feed: the service catalogue with target times, the wilayah
/// list's version, whether unknown desa codes are accepted, the push limits and node settings. A node checks new
/// events against the latest rules it received (the shipped ones until then), and each log entry names the
/// `version` it was checked against.
public struct RulesDocument: Codable, Sendable, Equatable {
    /// The catalogue as CSV (`code,name,category,target_days`), parsed by the same code as `config/services.csv`.
    public var catalogueCSV: String
    public var wilayahVersion: String
    public var allowUnknownWilayah: Bool
    public var limits: Limits
    /// The node's sync interval in seconds, when the province sets one (0 or absent: the node's own config).
    public var syncIntervalSeconds: Int?
    /// A digest of everything above: the name entries carry.
    public var version: String

    enum CodingKeys: String, CodingKey {
        case version, limits
        case catalogueCSV = "catalogue_csv"
        case wilayahVersion = "wilayah_version"
        case allowUnknownWilayah = "allow_unknown_wilayah"
        case syncIntervalSeconds = "sync_interval_seconds"
    }

    public init(catalogueCSV: String, wilayahVersion: String = Wilayah.shippedVersion, allowUnknownWilayah: Bool,
                limits: Limits = Limits(), syncIntervalSeconds: Int? = nil) {
        self.catalogueCSV = catalogueCSV
        self.wilayahVersion = wilayahVersion
        self.allowUnknownWilayah = allowUnknownWilayah
        self.limits = limits
        self.syncIntervalSeconds = syncIntervalSeconds
        self.version = ""
        self.version = computedVersion
    }

    /// The shipped catalogue and wilayah list: what a node checks against before its first feed.
    public static let shipped = RulesDocument(catalogueCSV: EmbeddedCatalogue.csv, allowUnknownWilayah: false)

    /// `r-` and the first 16 hex digits of SHA-256 over the rules' fields, one per line.
    public var computedVersion: String {
        let text = [catalogueCSV, wilayahVersion, String(allowUnknownWilayah), String(limits.maxBodyBytes),
                    String(limits.maxDecompressedBytes), String(limits.maxEntries), String(limits.maxEntryBytes),
                    String(syncIntervalSeconds ?? 0)].joined(separator: "\n")
        return "r-" + Hex.encode(Data(SHA256.hash(data: Data(text.utf8)))).prefix(16)
    }

    /// A version name as entries carry it: `r-` and 16 lower-case hex digits.
    public static func isVersionShaped(_ text: String) -> Bool { LogEntry.isRulesVersionShaped(text) }

    /// The event rules these describe. Throws when the catalogue does not parse (a node then keeps its last rules).
    public func eventRules() throws(ValidationError) -> EventRules {
        EventRules(catalogue: try ServiceCatalogue(csv: catalogueCSV, source: "rules \(version)"), allowUnknownWilayah: allowUnknownWilayah)
    }
}

extension Wilayah {
    /// The version of the shipped Kemendagri list: a digest of the embedded CSVs.
    public static let shippedVersion: String = {
        var hasher = SHA256()
        hasher.update(data: Data(EmbeddedKecamatan.csv.utf8))
        hasher.update(data: Data(EmbeddedDesa.csv.utf8))
        return "kemendagri-" + Hex.encode(Data(hasher.finalize())).prefix(12)
    }()
}
