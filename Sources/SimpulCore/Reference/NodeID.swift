/// A node's identity: its kecamatan code, optionally `-NN` for a second node in one office (`35.07.01-02`).
public enum NodeID {
    /// Checks the form and, unless `allowUnknown`, that the kecamatan is in the shipped list.
    public static func validate(_ id: String, wilayah: Wilayah = .shipped, allowUnknown: Bool = false) throws(ValidationError) {
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
