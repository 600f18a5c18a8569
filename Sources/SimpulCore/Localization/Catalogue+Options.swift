extension Catalogue {
    /// The `--help` texts of both programs beyond the abstracts: each option's line, and the longer discussions.
    static let options: [MessageKey: Entry] = [
        .optNodeID: .init(en: "The node id.", id: "Id node."),
        .optCaseIDOnly: .init(en: "Only this case id.", id: "Hanya kasus dengan id ini."),
        .optOverdue: .init(
            en: "Only referrals without a provider response past the service's target.",
            id: "Hanya rujukan yang belum dijawab penyedia layanan melewati target layanan."),
        .optOpen: .init(en: "Only cases still open.", id: "Hanya kasus yang masih terbuka."),
        .optLogLevel: .init(
            en: "Log level: trace, debug, info, notice, warning, error.",
            id: "Tingkat log: trace, debug, info, notice, warning, error."),
        .optExportFormat: .init(
            en: "csv (with a header row) or json (JSON Lines: one object per line).",
            id: "csv (dengan baris judul) atau json (JSON Lines: satu objek per baris)."),
        .optChannel: .init(
            en: "counter, outreach, village_referral, online or phone.",
            id: "counter, outreach, village_referral, online atau phone."),
        .optDataDirNode: .init(en: "Where the database and keys live.", id: "Tempat basis data dan kunci disimpan."),
        .optDataDirAggregator: .init(en: "Where the database and key live.", id: "Tempat basis data dan kunci disimpan."),
        .optRuntimeDir: .init(
            en: "Where the daemon's control socket lives (default /run/simpul for --data-dir /var/lib/simpul, else the data dir).",
            id: "Tempat soket kontrol daemon (bawaan /run/simpul untuk --data-dir /var/lib/simpul, selain itu direktori data)."),
        .optOccurredAt: .init(
            en: "When it happened (RFC 3339 with offset; default now).",
            id: "Waktu kejadian (RFC 3339 dengan zona waktu; bawaan: sekarang)."),
        .optExportKind: .init(en: "What to export: events or cases.", id: "Yang diekspor: events (peristiwa) atau cases (kasus)."),
        .optSigningKeyFile: .init(
            en: "Use this receipt-signing key (aggregator.key of a replica already set up) instead of making one.",
            id: "Gunakan kunci penanda tangan tanda terima ini (aggregator.key dari replika yang sudah disiapkan), bukan membuat yang baru."),
        .optNodeIDInit: .init(
            en: "This office's kecamatan code, e.g. 35.07.01 (add -02 for a second node in one office).",
            id: "Kode kecamatan kantor ini, mis. 35.07.01 (tambahkan -02 untuk node kedua di kantor yang sama)."),
        .optPseudonymKey: .init(
            en: "The provincial pseudonym key file from provincial IT (without it a node-local key is made).",
            id: "Berkas kunci pseudonim provinsi dari TI provinsi (tanpa ini dibuat kunci khusus node ini)."),
        .optAggregatorURL: .init(en: "The provincial aggregator's URL.", id: "URL agregator provinsi."),
        .optPublicKey: .init(en: "The node's public key, as 'simpul init' printed it.", id: "Kunci publik node, seperti yang dicetak 'simpul init'."),
        .optNodeIDEnrol: .init(en: "The node id: a kecamatan code, optionally -NN.", id: "Id node: kode kecamatan, boleh ditambah -NN."),
        .optNewPublicKey: .init(
            en: "The new public key, as 'simpul init --recover' printed it.",
            id: "Kunci publik baru, seperti yang dicetak 'simpul init --recover'."),
        .optTo: .init(en: "The last day, YYYY-MM-DD (inclusive).", id: "Hari terakhir, YYYY-MM-DD (ikut dihitung)."),
        .optFrom: .init(en: "The first day, YYYY-MM-DD (inclusive).", id: "Hari pertama, YYYY-MM-DD (ikut dihitung)."),
        .optSupersedes: .init(
            en: "The event this one corrects (event.corrected).",
            id: "Peristiwa yang dikoreksi oleh peristiwa ini (event.corrected)."),
        .optAggregatorKey: .init(
            en: "The aggregator's receipt-signing public key from provincial IT: pinned now instead of trusted on first use.",
            id: "Kunci publik penanda tangan tanda terima agregator dari TI provinsi: langsung disematkan, bukan dipercaya saat jawaban pertama."),
        .optMigrateTo: .init(
            en: "The PostgreSQL database to fill: postgres://USER@HOST:PORT/DB (password in PGPASSWORD).",
            id: "Basis data PostgreSQL tujuan: postgres://USER@HOST:PORT/DB (kata sandi di PGPASSWORD)."),
        .optProvider: .init(
            en: "Set up a provider office's node instead: its provider code as events name it, e.g. DISDUKCAPIL.35.07.",
            id: "Siapkan node kantor penyedia layanan: kode penyedianya seperti tertulis dalam peristiwa, mis. DISDUKCAPIL.35.07."),
        .optService: .init(en: "Service code from the catalogue, e.g. ADM.KTPEL.", id: "Kode layanan dari katalog, mis. ADM.KTPEL."),
        .optRotate: .init(en: "Replace the token with a new one.", id: "Ganti token dengan yang baru."),
        .optReferralTarget: .init(en: "Referral target, e.g. DISDUKCAPIL.35.07.", id: "Tujuan rujukan, mis. DISDUKCAPIL.35.07."),
        .optRecordFile: .init(
            en: "Record every event of an NDJSON file ('-' for stdin).",
            id: "Catat semua peristiwa dari berkas NDJSON ('-' untuk stdin)."),
        .optRecover: .init(
            en: "Rebuild a node whose PC was lost: a new key pair for the same node id; the first sync pulls its log back from the province.",
            id: "Bangun ulang node yang PC-nya hilang: pasangan kunci baru untuk id node yang sama; sinkronisasi pertama menarik kembali lognya dari provinsi."),
        .optReason: .init(
            en: "Reason code (rejections, cancellations, incomplete requests, a provider's declined response).",
            id: "Kode alasan (penolakan, pembatalan, permohonan tidak lengkap, jawaban declined dari penyedia layanan)."),
        .optRecheckJSON: .init(en: "Print the result as JSON (released, held).", id: "Cetak hasil sebagai JSON (released, held)."),
        .optDatabase: .init(
            en: "PostgreSQL for several replicas: postgres://USER@HOST:PORT/DB (password in PGPASSWORD). Default: SQLite in --data-dir.",
            id: "PostgreSQL untuk beberapa replika: postgres://USER@HOST:PORT/DB (kata sandi di PGPASSWORD). Bawaan: SQLite di --data-dir."),
        .optNodeEntries: .init(en: "Only this node's entries.", id: "Hanya entri node ini."),
        .optCaseOnly: .init(en: "Only this case.", id: "Hanya kasus ini."),
        .optOfficeNode: .init(en: "Only the cases of this office node.", id: "Hanya kasus dari node kantor ini."),
        .optEvidence: .init(
            en: "Only list the evidence kept by earlier recovers.",
            id: "Hanya tampilkan bukti yang disimpan oleh recover sebelumnya."),
        .optSince: .init(
            en: "Only events recorded at or after this time (RFC 3339).",
            id: "Hanya peristiwa yang dicatat pada atau setelah waktu ini (RFC 3339)."),
        .optCaseNode: .init(
            en: "On a provider node: the office whose case it is, when several offices referred the same case id.",
            id: "Di node penyedia layanan: kantor pemilik kasus, bila beberapa kantor merujuk id kasus yang sama."),
        .optOfficer: .init(en: "Officer id.", id: "Id petugas."),
        .optVerbose: .init(en: "Log what the sync does on stderr.", id: "Tampilkan log proses sinkronisasi di stderr."),
        .optWait: .init(
            en: "Keep retrying transient failures for up to this long (e.g. 90s, 10m, 1h).",
            id: "Terus mencoba ulang kegagalan sementara hingga selama ini (mis. 90s, 10m, 1h)."),
        .optEventsJSON: .init(
            en: "JSON output (the only format; accepted for symmetry with the node).",
            id: "Keluaran JSON (satu-satunya format; diterima agar sama dengan node)."),
        .optListenOverride: .init(
            en: "HOST:PORT to listen on, overriding the config.",
            id: "HOST:PORT untuk mendengarkan, menggantikan nilai di konfigurasi."),
        .optListen: .init(en: "HOST:PORT to listen on (default 127.0.0.1:8080).", id: "HOST:PORT untuk mendengarkan (bawaan 127.0.0.1:8080)."),
        .optAttr: .init(en: "Extra attribute key=value (repeatable).", id: "Atribut tambahan kunci=nilai (boleh diulang)."),
        .optKind: .init(en: "Event kind, e.g. request.received.", id: "Jenis peristiwa, mis. request.received."),
        .optDesa: .init(en: "Citizen's desa/kelurahan code, e.g. 35.07.01.2001.", id: "Kode desa/kelurahan warga, mis. 35.07.01.2001."),
        .optNIK: .init(
            en: "Citizen's NIK, pseudonymised before anything is stored. '-' reads it from standard input, which keeps it out of the process list and shell history.",
            id: "NIK warga, dipseudonimkan sebelum apa pun disimpan. '-' membacanya dari input standar, sehingga tidak muncul di daftar proses dan riwayat shell."),
        .optCaseID: .init(
            en: "Case id (generated for request.received / need.identified).",
            id: "Id kasus (dibuat otomatis untuk request.received / need.identified)."),
        .optLimit: .init(en: "At most this many.", id: "Paling banyak sejumlah ini."),
        .optArea: .init(
            en: "An area code: PP, PP.KK, PP.KK.CC or PP.KK.CC.DDDD (default: everything).",
            id: "Kode wilayah: PP, PP.KK, PP.KK.CC atau PP.KK.CC.DDDD (bawaan: semua)."),
        .optAllowUnknownNodeIDs: .init(
            en: "Allow node ids outside the shipped Kemendagri kecamatan list.",
            id: "Izinkan id node di luar daftar kecamatan Kemendagri bawaan."),
        .optAllowUnknownWilayah: .init(
            en: "Accept a node id outside the shipped Kemendagri list.",
            id: "Terima id node di luar daftar Kemendagri bawaan."),
        .optOutcome: .init(
            en: "A provider's response outcome (provider.responded), e.g. completed, accepted or declined.",
            id: "Hasil jawaban penyedia layanan (provider.responded), mis. completed, accepted atau declined."),
        .optBackupDir: .init(en: "A new (or empty) directory.", id: "Direktori baru (atau kosong)."),
        .optEnrolFile: .init(
            en: "A CSV of node_id,public_key lines for bulk enrolment.",
            id: "Berkas CSV berisi baris node_id,public_key untuk pendaftaran massal."),
        .discRecover: .init(
            en: "The province's log is the truth up to its head. Local entries that differ from it are kept as evidence (listed with --evidence), their events that the province lacks are appended again after its head with the same event ids, and the aggregator is told, so it accepts this node again. Run 'simpul sync now' after it. Stop the daemon first (systemctl stop simpul): recover takes the sync lock.",
            id: "Log provinsi dianggap benar sampai head-nya. Entri lokal yang berbeda disimpan sebagai bukti (lihat dengan --evidence), peristiwanya yang belum ada di provinsi ditambahkan kembali setelah head provinsi dengan id peristiwa yang sama, dan agregator diberi tahu sehingga menerima node ini kembali. Setelah itu jalankan 'simpul sync now'. Hentikan daemon terlebih dahulu (systemctl stop simpul): recover memakai penguncian sinkronisasi."),
        .discApiToken: .init(
            en: "The token lives in api.token in the data directory, readable by the node's owner and group. A front-desk application's installer, run as root or as a member of that group, reads it from there or from this command. After --rotate the old token is refused at once; give the new one to every application.",
            id: "Token disimpan di api.token dalam direktori data, dapat dibaca oleh pemilik dan grup node. Pemasang aplikasi loket, yang dijalankan sebagai root atau anggota grup itu, membacanya dari sana atau dari perintah ini. Setelah --rotate, token lama langsung ditolak; berikan token baru ke setiap aplikasi."),
        .discRecord: .init(
            en: "Recording never needs the network: the events are on disk when this returns. A file is all or nothing: one invalid line and nothing is stored. Kinds: {kinds}.",
            id: "Pencatatan tidak pernah memerlukan jaringan: peristiwa sudah tersimpan di disk saat perintah ini selesai. Satu berkas berlaku semua atau tidak sama sekali: bila ada satu baris tidak valid, tidak ada yang disimpan. Jenis: {kinds}."),
        .discSyncNow: .init(
            en: "With the daemon running, asks it through its control socket; otherwise syncs in this process. After a transport error or a 5xx it exits non-zero within 30 s, unless --wait asks it to keep retrying.",
            id: "Jika daemon berjalan, perintah ini memintanya lewat soket kontrol; jika tidak, sinkronisasi dilakukan di proses ini. Setelah galat jaringan atau 5xx, perintah keluar dengan status bukan nol dalam 30 detik, kecuali --wait meminta terus mencoba ulang."),
        .discCases: .init(
            en: "A case's state is the fold of its events from every node, ordered by hybrid logical clock. WAITED counts days (24-hour periods) from the referral while a provider has not answered, otherwise from the request; --overdue lists referrals without a provider response past the service's target (a same-day service gets one day).",
            id: "Status kasus dirangkum dari peristiwanya di setiap node, diurutkan menurut jam logika hibrida. MENUNGGU menghitung hari (periode 24 jam) sejak rujukan selama penyedia layanan belum menjawab, selain itu sejak permohonan; --overdue menampilkan rujukan yang belum dijawab penyedia layanan melewati target layanan (layanan satu hari diberi waktu satu hari)."),
        .discExport: .init(
            en: "events: one row per stored event (quarantined entries left out), dated by its own occurred_at. cases: one row per case (keyed by office node and case number) with the times of its steps in minutes, dated by the local day it was received. --area takes a province, kabupaten/kota, kecamatan or desa code.",
            id: "events: satu baris per peristiwa tersimpan (tanpa entri karantina), bertanggal menurut occurred_at-nya. cases: satu baris per kasus (menurut node kantor dan nomor kasus) dengan waktu setiap langkahnya dalam menit, bertanggal menurut hari setempat saat kasus diterima. --area menerima kode provinsi, kabupaten/kota, kecamatan, atau desa."),
        .discMigrate: .init(
            en: "Every table is copied in one PostgreSQL transaction: the target holds all of it or nothing. Afterwards every stored chain and batch signature is re-checked on the target, and the row counts are compared. Then set `database = \"URL\"` in the config (and on every replica) and start serve again. See docs/operations.md.",
            id: "Setiap tabel disalin dalam satu transaksi PostgreSQL: tujuan berisi semuanya atau tidak sama sekali. Sesudahnya setiap rantai dan tanda tangan batch yang tersimpan diperiksa ulang di tujuan, dan jumlah barisnya dibandingkan. Lalu atur `database = \"URL\"` di konfigurasi (dan di setiap replika) dan jalankan serve lagi. Lihat docs/operations.md."),
    ]
}
