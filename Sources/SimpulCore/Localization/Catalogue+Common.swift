extension Catalogue {
    /// Labels and phrases both programs use.
    static let common: [MessageKey: Entry] = [
        .verbatim: .init(en: "{text}", id: "{text}"),
        .errorLabel: .init(en: "error", id: "galat"),
        .hintLabel: .init(en: "hint", id: "petunjuk"),
        .warningLabel: .init(en: "warning", id: "peringatan"),
        .nextStep: .init(en: "next: {step}", id: "langkah berikutnya: {step}"),
        .jsonHelp: .init(en: "Print the result as JSON.", id: "Cetak hasil sebagai JSON."),
        .jsonArrayHelp: .init(en: "Print one JSON array.", id: "Cetak satu larik JSON."),
        .configOptionHelp: .init(en: "The node config (default: $SIMPUL_CONFIG, else /etc/simpul/node.toml).",
                                 id: "Konfigurasi node (bawaan: $SIMPUL_CONFIG, atau /etc/simpul/node.toml)."),
        .aggregatorConfigOptionHelp: .init(en: "The aggregator config (default: $SIMPUL_AGGREGATOR_CONFIG, else /etc/simpul/aggregator.toml).",
                                           id: "Konfigurasi agregator (bawaan: $SIMPUL_AGGREGATOR_CONFIG, atau /etc/simpul/aggregator.toml)."),
        .syncAgain: .init(en: "sync again", id: "sinkronkan lagi"),
        .syncAgainReport: .init(en: "sync again; if it repeats, report it to provincial IT",
                                id: "sinkronkan lagi; jika terulang, laporkan ke TI provinsi"),
        .contactProvincialIT: .init(en: "contact provincial IT", id: "hubungi TI provinsi"),
        .cannotCreate: .init(en: "cannot create {path}: {error}", id: "tidak dapat membuat {path}: {error}"),
        .cannotWrite: .init(en: "cannot write {path}: {error}", id: "tidak dapat menulis {path}: {error}"),
        .cannotRead: .init(en: "cannot read {path}", id: "tidak dapat membaca {path}"),
        .checkPathPermissions: .init(en: "check the path and permissions", id: "periksa jalur berkas dan izinnya"),
    ]
}
