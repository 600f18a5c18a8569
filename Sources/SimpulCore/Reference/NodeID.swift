/// A node's identity: an office's kecamatan code, optionally `-NN` for a second node in one office (`35.07.01-02`),
/// or a provider office's code as events name it in `provider` (`DISDUKCAPIL.35.07`).
public enum NodeID {
    /// True for a provider office's code: starts with an upper-case letter, then upper-case letters, digits, '.', '_', '-'.
    public static func isProviderCode(_ id: String) -> Bool {
        guard let first = id.utf8.first, first >= 65 && first <= 90, id.utf8.count <= EventLimits.identifierBytes else { return false }
        return id.utf8.allSatisfy { c in (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c == 46 || c == 95 || c == 45 }
    }

    /// Checks the form and, unless `allowUnknown`, that the kecamatan is in the shipped list. A provider code is
    /// checked for its form only.
    public static func validate(_ id: String, wilayah: Wilayah = .shipped, allowUnknown: Bool = false) throws(ValidationError) {
        if let first = id.utf8.first, first >= 65 && first <= 90 {
            guard isProviderCode(id) else {
                throw ValidationError(field: "node_id", value: id,
                                      reason: "a provider code must be upper-case letters, digits, '.', '_' or '-' (e.g. DISDUKCAPIL.35.07)")
            }
            return
        }
        var kecamatan = Substring(id)
        if let dash = id.firstIndex(of: "-") {
            kecamatan = id[..<dash]
            let suffix = id[id.index(after: dash)...]
            guard suffix.count == 2, suffix.allSatisfy(\.isASCII), suffix.allSatisfy(\.isNumber), suffix != "00" else {
                throw ValidationError(field: "node_id", value: id, reason: "the suffix after '-' must be two digits 01-99")
            }
        }
        guard Wilayah.isKecamatanCodeShaped(String(kecamatan)) else {
            throw ValidationError(
                field: "node_id", value: id, reason: "must be a kecamatan code PP.KK.CC (e.g. 35.07.01), optionally with -NN")
        }
        if !allowUnknown && wilayah.kecamatan[String(kecamatan)] == nil {
            throw ValidationError(
                field: "node_id", value: id,
                reason: "kecamatan \(kecamatan) is not in the shipped Kemendagri list (set allow_unknown_wilayah = true to allow it)")
        }
    }

    /// The kecamatan part of a node id.
    public static func kecamatan(of id: String) -> String {
        id.split(separator: "-").first.map(String.init) ?? id
    }
}
