extension Catalogue {
    /// What `simpul-aggregator` itself prints: `--help` abstracts, results, its own usage errors.
    static let aggregatorCLI: [MessageKey: Entry] = [
        // --help abstracts
        .aggHelpRoot: .init(en: "The provincial aggregator: verifies and stores every kecamatan node's log exactly once.",
                            id: "Agregator provinsi: memverifikasi dan menyimpan log setiap node kecamatan tepat satu kali."),
        .aggHelpInit: .init(
            en: "Write a config, create the database (SQLite, or join a PostgreSQL one) and the receipt-signing key.",
            id: "Menulis konfigurasi, membuat basis data (SQLite, atau bergabung ke PostgreSQL) dan kunci penanda tangan tanda terima."),
        .aggHelpServe: .init(en: "Run the HTTP API (exits 0 on SIGTERM).", id: "Menjalankan API HTTP (keluar dengan status 0 saat SIGTERM)."),
        .aggHelpNodes: .init(en: "Enrol, list, rekey and revoke nodes.", id: "Mendaftarkan, menampilkan, mengganti kunci, dan mencabut node."),
        .aggHelpNodesAdd: .init(
            en: "Enrol a node (NODE_ID --public-key KEY), or many from --file (lines: node_id,public_key; all or none).",
            id: "Mendaftarkan satu node (NODE_ID --public-key KEY), atau banyak node dari --file (baris: node_id,public_key; semua atau tidak sama sekali)."),
        .aggHelpNodesList: .init(en: "List nodes: enrolled at, head seq, last seen, clock skew, state.",
                                 id: "Menampilkan node: waktu terdaftar, seq head, terakhir terlihat, selisih jam, status."),
        .aggHelpNodesRekey: .init(
            en: "Give a rebuilt node its new key (from 'simpul init --recover'); the old key stays on record for the entries it signed.",
            id: "Memasang kunci baru untuk node yang dibangun ulang (dari 'simpul init --recover'); kunci lama tetap tercatat untuk entri yang ditandatanganinya."),
        .aggHelpNodesRevoke: .init(en: "Revoke a node: its pushes are refused from now on; its stored log is kept.",
                                   id: "Mencabut node: push darinya ditolak mulai sekarang; log yang sudah tersimpan tetap disimpan."),
        .aggHelpEvents: .init(en: "Print every stored entry of a node, verbatim, as one JSON array (no limit).",
                              id: "Mencetak semua entri tersimpan dari sebuah node, apa adanya, sebagai satu larik JSON (tanpa batas)."),
        .aggHelpVerify: .init(en: "Re-check every stored chain and batch signature; names node and seq on damage.",
                              id: "Memeriksa ulang setiap rantai dan tanda tangan batch yang tersimpan; menyebut node dan seq bila ada kerusakan."),
        .aggHelpQuarantine: .init(
            en: "Entries stored but held aside because their events fail the rules; list them, or release those that now pass.",
            id: "Entri yang tersimpan tetapi dikarantina karena peristiwanya tidak lolos aturan; tampilkan, atau lepaskan yang kini lolos."),
        .aggHelpQuarantineList: .init(en: "List held entries: node, seq, event id, field, reason, quarantined at.",
                                      id: "Menampilkan entri yang dikarantina: node, seq, id peristiwa, isian, alasan, waktu karantina."),
        .aggHelpQuarantineRecheck: .init(en: "Re-run the config's current rules over every held entry and release those that now pass.",
                                         id: "Menjalankan ulang aturan yang berlaku atas setiap entri yang dikarantina dan melepaskan yang kini lolos."),
        .aggHelpCases: .init(
            en: "Fold every stored case (quarantined entries left out) as the nodes do: state, provider, wait against the target.",
            id: "Merangkum setiap kasus tersimpan (tanpa entri karantina) seperti di node: status, penyedia layanan, lama menunggu dibanding target."),
        .aggHelpExport: .init(
            en: "Stream stored events, or every case's figures, of an area and a date range to stdout (CSV or JSON Lines; pseudonyms only).",
            id: "Mengalirkan peristiwa tersimpan, atau angka setiap kasus, untuk suatu wilayah dan rentang tanggal ke stdout (CSV atau JSON Lines; hanya pseudonim)."),
        .aggHelpMigrate: .init(
            en: "Copy this SQLite aggregator into an empty PostgreSQL database (serve stopped), then verify the copy.",
            id: "Menyalin agregator SQLite ini ke basis data PostgreSQL yang kosong (serve dihentikan), lalu memverifikasi salinannya."),

        // init
        .aggInitDone: .init(en: "Initialised aggregator; config {config}, data {data}, database {database}.",
                            id: "Agregator sudah disiapkan; konfigurasi {config}, data {data}, basis data {database}."),
        .aggReceiptKey: .init(en: "Receipt-signing public key: {key}", id: "Kunci publik penanda tangan tanda terima: {key}"),

        // nodes
        .aggNodesBothForms: .init(en: "give NODE_ID --public-key KEY or --file, not both",
                                  id: "berikan NODE_ID --public-key KEY atau --file, jangan keduanya"),
        .aggNodesAddMissing: .init(en: "give NODE_ID and --public-key KEY (or --file F)", id: "berikan NODE_ID dan --public-key KEY (atau --file F)"),
        .aggEnrolFailed: .init(en: "enrolment failed: {error}", id: "pendaftaran gagal: {error}"),
        .aggEnrolled: .init(en: "enrolled {count} node(s): {nodes}", id: "{count} node terdaftar: {nodes}"),
        .aggNodesHeader: .init(en: "NODE\tSTATE\tHEAD\tBACKLOG\tLAST SEEN\tSKEW\tQUARANTINED\tENROLLED",
                               id: "NODE\tSTATUS\tHEAD\tANTREAN\tTERAKHIR TERLIHAT\tSELISIH JAM\tKARANTINA\tTERDAFTAR"),
        .aggForkAt: .init(en: " (fork at seq {seq})", id: " (fork pada seq {seq})"),
        .aggNotEnrolled: .init(en: "node {node} is not enrolled", id: "node {node} belum terdaftar"),
        .aggSeeNodesList: .init(en: "see 'simpul-aggregator nodes list'", id: "lihat 'simpul-aggregator nodes list'"),
        .aggRekeyed: .init(en: "rekeyed {node}: the old key stays on record for seq 1-{seq}; the node syncs with its new key now",
                           id: "kunci {node} sudah diganti: kunci lama tetap tercatat untuk seq 1-{seq}; node kini bersinkronisasi dengan kunci barunya"),
        .aggRevokedDone: .init(en: "revoked {node}", id: "node {node} sudah dicabut"),
        .aggAlreadyRevoked: .init(en: "{node} was already revoked", id: "node {node} memang sudah dicabut sebelumnya"),

        // verify
        .aggVerifyOK: .init(en: "ok {node}: {entries} entries in {batches} signed batches",
                            id: "utuh {node}: {entries} entri dalam {batches} batch bertanda tangan"),
        .aggVerifyFailed: .init(en: "verification failed: node {node} seq {seq}: {problem}{more}",
                                id: "verifikasi gagal: node {node} seq {seq}: {problem}{more}"),
        .aggVerifyMore: .init(en: " (and {count} more node(s))", id: " (dan {count} node lain)"),
        .aggVerifyFailedHint: .init(
            en: "the stored log was altered or damaged after it arrived; restore the aggregator from its last good backup (the nodes re-send what is missing)",
            id: "log tersimpan telah diubah atau rusak setelah diterima; pulihkan agregator dari cadangan terakhir yang baik (node akan mengirim ulang yang hilang)"),

        // quarantine, cases
        .aggQuarantineEmpty: .init(en: "no entries held in quarantine", id: "tidak ada entri di karantina"),
        .aggQuarantineEmptyForNode: .init(en: "no entries held in quarantine for node {node}", id: "tidak ada entri di karantina untuk node {node}"),
        .aggQuarantineHeader: .init(en: "NODE\tSEQ\tEVENT\tFIELD\tQUARANTINED AT\tREASON",
                                    id: "NODE\tSEQ\tPERISTIWA\tISIAN\tDIKARANTINA PADA\tALASAN"),
        .aggQuarantineNote: .init(
            en: "after changing the rules (catalogue_file, allow_unknown_wilayah), run 'simpul-aggregator quarantine recheck'",
            id: "setelah mengubah aturan (catalogue_file, allow_unknown_wilayah), jalankan 'simpul-aggregator quarantine recheck'"),
        .aggReleasedOne: .init(en: "released {released} entry; {held} still held", id: "{released} entri dilepas; {held} masih dikarantina"),
        .aggReleasedMany: .init(en: "released {released} entries; {held} still held", id: "{released} entri dilepas; {held} masih dikarantina"),
        .aggSeeWhy: .init(en: "see why: simpul-aggregator quarantine list", id: "lihat alasannya: simpul-aggregator quarantine list"),
        .aggCasesHeader: .init(en: "NODE\tCASE\tSERVICE\tSTATE\tPROVIDER\tWAITED (DAYS)\tTARGET\tOVERDUE",
                               id: "NODE\tKASUS\tLAYANAN\tSTATUS\tPENYEDIA\tMENUNGGU (HARI)\tTARGET\tTERLAMBAT"),
        .aggYes: .init(en: "yes", id: "ya"),

        // migrate
        .aggMigrateAlreadyPostgres: .init(en: "this aggregator already uses PostgreSQL ({database}); migrate reads a SQLite one",
                                          id: "agregator ini sudah memakai PostgreSQL ({database}); migrate membaca agregator SQLite"),
        .aggMigrateAlreadyPostgresHint: .init(
            en: "to move between PostgreSQL servers use pg_dump and pg_restore (docs/operations.md)",
            id: "untuk memindahkan antarserver PostgreSQL gunakan pg_dump dan pg_restore (docs/operations.md)"),
        .aggMigrateProgress: .init(en: "  {table}: {count} rows", id: "  {table}: {count} baris"),
        .aggMigrateCopied: .init(en: "copied {table}: {count} rows", id: "tersalin {table}: {count} baris"),
        .aggMigrateCopiedIn: .init(en: "copied in {seconds} s; verifying the copy...", id: "tersalin dalam {seconds} detik; memverifikasi salinan..."),
        .aggCopyNotVerified: .init(en: "the copy does not verify: node {node} seq {seq}: {problem}",
                                   id: "salinan tidak lolos verifikasi: node {node} seq {seq}: {problem}"),
        .aggCopyNotVerifiedHint: .init(en: "keep serving from SQLite; drop the target database and migrate again",
                                       id: "tetap layani dari SQLite; hapus basis data tujuan lalu jalankan migrate lagi"),
        .aggCopyCountMismatch: .init(en: "the copy holds {target} entries but the SQLite aggregator {source}",
                                     id: "salinan berisi {target} entri, sedangkan agregator SQLite {source}"),
        .aggCopyCountMismatchHint: .init(en: "was serve still running? stop it, drop the target database and migrate again",
                                         id: "apakah serve masih berjalan? hentikan, hapus basis data tujuan, lalu jalankan migrate lagi"),
        .aggMigrateOK: .init(en: "ok: {nodes} node(s) verified, {entries} entries on {url}",
                             id: "selesai: {nodes} node terverifikasi, {entries} entri di {url}"),
        .aggMigrateNext: .init(
            en: "next: set database = \"{url}\" (password in PGPASSWORD or the URL) in {path} (and on every replica), then start serve",
            id: "langkah berikutnya: atur database = \"{url}\" (kata sandi di PGPASSWORD atau di URL) di {path} (dan di setiap replika), lalu jalankan serve"),
    ]
}
