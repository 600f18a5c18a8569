extension Catalogue {
    /// The node's sync errors and hints: the aggregator's answers, the link, forks.
    static let sync: [MessageKey: Entry] = [
        // What the node was doing when the aggregator answered
        .whatPush: .init(en: "push of seq {from}-{to}", id: "push seq {from}-{to}"),
        .whatReadHead: .init(en: "reading this node's head", id: "membaca head node ini"),
        .whatReadRoute: .init(en: "reading this node's {route} after {after}", id: "membaca {route} node ini setelah {after}"),
        .whatRecover: .init(en: "telling the aggregator this node recovered", id: "memberi tahu agregator bahwa node ini telah dipulihkan"),

        // The aggregator's answers
        .answerUnreadable: .init(en: "{what}: the aggregator's answer could not be read (HTTP {status})",
                                 id: "{what}: jawaban agregator tidak dapat dibaca (HTTP {status})"),
        .checkIsAggregator: .init(en: "check that {url} is a Simpul aggregator", id: "pastikan {url} adalah agregator Simpul"),
        .aggregatorFailed: .init(en: "{what}: the aggregator failed (HTTP {status}): {detail}",
                                 id: "{what}: agregator mengalami galat (HTTP {status}): {detail}"),
        .aggregatorFailedHint: .init(en: "events stay queued; sync again later",
                                     id: "peristiwa tetap di antrean sinkronisasi; sinkronkan lagi nanti"),
        .refusedFork: .init(en: "{what}: refused as a fork: {detail}", id: "{what}: ditolak karena log bercabang (fork): {detail}"),
        .refusedForkHint: .init(en: "every local event is kept. Run 'simpul recover' (docs/operations.md, 'A forked log')",
                                id: "semua peristiwa lokal tetap tersimpan. Jalankan 'simpul recover' (docs/operations.md, 'A forked log')"),
        .refusedDetail: .init(en: "{what}: {detail}", id: "{what}: {detail}"),
        .aggregatorBusyHint: .init(en: "the aggregator was busy with another push of this node; sync again",
                                   id: "agregator sedang memproses push lain dari node ini; sinkronkan lagi"),
        .nodeRevoked: .init(en: "{what}: this node is revoked: {detail}", id: "{what}: node ini sudah dicabut: {detail}"),
        .unknownNodeHint: .init(en: "give provincial IT this node's id and public key ('simpul status' shows both)",
                                id: "berikan id dan kunci publik node ini kepada TI provinsi (keduanya ditampilkan oleh 'simpul status')"),
        .badSignatureHint: .init(
            en: "the key enrolled for {node} is not this node's; give provincial IT the public key 'simpul status' shows",
            id: "kunci yang didaftarkan untuk {node} bukan milik node ini; berikan kunci publik yang ditampilkan 'simpul status' kepada TI provinsi"),
        .notFound404: .init(en: "{what}: HTTP 404 from {url}", id: "{what}: HTTP 404 dari {url}"),
        .checkAggregatorURL: .init(en: "check the aggregator URL in the config", id: "periksa URL agregator di konfigurasi"),
        .refusedHTTP: .init(en: "{what}: refused by the aggregator (HTTP {status}): {detail}",
                            id: "{what}: ditolak oleh agregator (HTTP {status}): {detail}"),

        // Receipts, heads, limits
        .syncStopped: .init(en: "the sync was stopped before it finished", id: "sinkronisasi dihentikan sebelum selesai"),
        .syncStoppedHint: .init(en: "sync again; nothing is lost", id: "sinkronkan lagi; tidak ada yang hilang"),
        .headBehindRepeatedly: .init(
            en: "the aggregator keeps answering that its head for {node} is seq {seq}, behind what it acknowledged",
            id: "agregator terus menjawab bahwa head untuk {node} adalah seq {seq}, di belakang yang sudah diakuinya"),
        .receiptShort: .init(en: "the aggregator's receipt does not cover batch {from}-{to} (receipt seq {seq})",
                             id: "tanda terima agregator tidak mencakup batch {from}-{to} (tanda terima seq {seq})"),
        .headReceiptMismatch: .init(
            en: "the aggregator's head answer for {node} does not match its own signed receipt (seq {remote} vs {receipt}); nothing was sent",
            id: "jawaban head dari agregator untuk {node} tidak cocok dengan tanda terimanya sendiri yang bertanda tangan (seq {remote} vs {receipt}); tidak ada yang dikirim"),
        .checkProvincialHTTPS: .init(en: "check that {url} is the provincial aggregator (and use https)",
                                     id: "pastikan {url} adalah agregator provinsi (dan gunakan https)"),
        .checkProvincialHTTPSAgain: .init(en: "check that {url} is the provincial aggregator (and use https); sync again",
                                          id: "pastikan {url} adalah agregator provinsi (dan gunakan https); sinkronkan lagi"),
        .limitsOutOfRange: .init(
            en: "the aggregator's limits are out of any possible range (body {body}, inflated {inflated}, entries {entries}, entry {entry}); nothing was sent",
            id: "batas yang diumumkan agregator di luar rentang yang mungkin (body {body}, inflated {inflated}, entries {entries}, entry {entry}); tidak ada yang dikirim"),
        .checkProvincialReport: .init(en: "check that {url} is the provincial aggregator; report it to provincial IT",
                                      id: "pastikan {url} adalah agregator provinsi; laporkan ke TI provinsi"),
        .receiptUnsigned: .init(en: "the aggregator's receipt for seq {seq} is not validly signed",
                                id: "tanda terima agregator untuk seq {seq} tidak bertanda tangan yang sah"),
        .receiptOtherKey: .init(en: "the aggregator's receipts are signed by another key than before ({key}…, pinned {pinned}…)",
                                id: "tanda terima agregator ditandatangani dengan kunci lain dari sebelumnya ({key}…, tersemat {pinned}…)"),
        .receiptOtherKeyHint: .init(
            en: "if provincial IT replaced the aggregator's key, remove 'aggregator_key' from node_meta with their instructions; otherwise check the URL",
            id: "jika TI provinsi mengganti kunci agregator, hapus 'aggregator_key' dari node_meta sesuai petunjuk mereka; jika tidak, periksa URL-nya"),
        .batchEncodeFailed: .init(en: "could not encode batch {from}-{to}: {error}", id: "batch {from}-{to} tidak dapat dikodekan: {error}"),
        .batchTooLarge: .init(en: "batch {from}-{to} is {bytes} bytes, over the aggregator's limit {limit}",
                              id: "batch {from}-{to} berukuran {bytes} bita, melebihi batas agregator {limit}"),
        .batchTooLargeHint: .init(en: "lower sync.batch_max_bytes in the node config", id: "turunkan sync.batch_max_bytes di konfigurasi node"),
        .recoverEncodeFailed: .init(en: "could not encode the recover request", id: "permintaan recover tidak dapat dikodekan"),

        // Forks
        .forkReceipt: .init(
            en: "the aggregator holds seq {seq} of node {node} with a different entry than this node's log (or beyond it): the log is forked. Every local event is kept.",
            id: "agregator menyimpan seq {seq} node {node} dengan entri yang berbeda dari log node ini (atau melampauinya): log bercabang (fork). Semua peristiwa lokal tetap tersimpan."),
        .forkReceiptHint: .init(
            en: "run 'simpul recover': it takes the province's log as the truth and appends this node's other events after it (docs/operations.md, 'A forked log')",
            id: "jalankan 'simpul recover': log provinsi dianggap benar dan peristiwa lain node ini ditambahkan sesudahnya (docs/operations.md, 'A forked log')"),
        .forkBehind: .init(
            en: "the aggregator holds seq 1-{remote} of node {node}, but this node's log ends at seq {local}: this node was restored from an older backup.{since} Nothing was sent and nothing local was changed.",
            id: "agregator menyimpan seq 1-{remote} node {node}, tetapi log node ini berakhir pada seq {local}: node ini dipulihkan dari cadangan lama.{since} Tidak ada yang dikirim dan tidak ada data lokal yang diubah."),
        .forkBehindSince: .init(
            en: " Events were recorded here since the restore (seq {from}-{to}); the aggregator holds other entries at those seqs.",
            id: " Sejak dipulihkan, ada peristiwa yang dicatat di sini (seq {from}-{to}); agregator menyimpan entri lain pada seq tersebut."),
        .forkBehindHint: .init(
            en: "run 'simpul recover': it pulls the province's entries and appends this node's newer events after them (docs/operations.md, 'A node restored from an old backup')",
            id: "jalankan 'simpul recover': entri provinsi ditarik dan peristiwa node ini yang lebih baru ditambahkan sesudahnya (docs/operations.md, 'A node restored from an old backup')"),
        .forkDiffers: .init(
            en: "this node's entry at seq {seq} differs from the one the aggregator holds: the log is forked (a node restored from a backup that then recorded new events). Every local event is kept; nothing was sent.",
            id: "entri node ini pada seq {seq} berbeda dari yang disimpan agregator: log bercabang (fork; node dipulihkan dari cadangan lalu mencatat peristiwa baru). Semua peristiwa lokal tetap tersimpan; tidak ada yang dikirim."),
        .forkAdopt: .init(
            en: "the aggregator holds seq 1-{remote} of node {node}, but this node's log ends at seq {local} and parts from the province's: this node was restored from an older backup and then recorded new events (a fork). Nothing was sent and nothing local was changed; every local event is kept.",
            id: "agregator menyimpan seq 1-{remote} node {node}, tetapi log node ini berakhir pada seq {local} dan menyimpang dari log provinsi: node ini dipulihkan dari cadangan lama lalu mencatat peristiwa baru (fork). Tidak ada yang dikirim dan tidak ada data lokal yang diubah; semua peristiwa lokal tetap tersimpan."),
        .forkAdoptHint: .init(
            en: "run 'simpul recover': it adopts the province's entries and appends this node's newer events after them (docs/operations.md, 'A node restored from an old backup')",
            id: "jalankan 'simpul recover': entri provinsi diambil alih dan peristiwa node ini yang lebih baru ditambahkan sesudahnya (docs/operations.md, 'A node restored from an old backup')"),
        .adoptBrokenChain: .init(
            en: "the province's copy of this node's log does not continue the local chain at seq {seq}: {reason}",
            id: "salinan log node ini di provinsi tidak menyambung rantai lokal pada seq {seq}: {reason}"),
        .adoptBrokenChainHint: .init(
            en: "nothing local was changed; if this node recorded events after a restore, run 'simpul recover'",
            id: "tidak ada data lokal yang diubah; jika node ini mencatat peristiwa setelah dipulihkan, jalankan 'simpul recover'"),
        .adoptGap: .init(en: "the province's entries start at seq {first}, but the local log ends at seq {head}; nothing was changed",
                         id: "entri provinsi mulai pada seq {first}, tetapi log lokal berakhir pada seq {head}; tidak ada yang diubah"),
        .adoptNoBase: .init(en: "the local log has no entry at seq {seq}; nothing was changed",
                            id: "log lokal tidak memiliki entri pada seq {seq}; tidak ada yang diubah"),

        // Pulling pages
        .feedPageMismatch: .init(en: "the aggregator's feed page for {node} after {cursor} does not match what was asked",
                                 id: "halaman feed dari agregator untuk {node} setelah {cursor} tidak sesuai dengan yang diminta"),
        .feedBadRulesHint: .init(
            en: "report it to provincial IT; this node keeps checking events against its current rules",
            id: "laporkan ke TI provinsi; node ini tetap memeriksa peristiwa dengan aturan yang berlaku sekarang"),
        .logPageMismatch: .init(en: "the aggregator's log page for {node} after seq {seq} does not match what was asked",
                                id: "halaman log dari agregator untuk {node} setelah seq {seq} tidak sesuai dengan yang diminta"),
        .logPageGarbled: .init(en: "the aggregator's copy of this node's log skips or garbles seq {seq}",
                               id: "salinan log node ini di agregator melompati atau merusak seq {seq}"),
        .logPageEmpty: .init(en: "the aggregator holds seq {head} of this node but sent no entries after seq {after}",
                             id: "agregator menyimpan seq {head} node ini, tetapi tidak mengirim entri setelah seq {after}"),
        .pageUnsigned: .init(
            en: "the aggregator's {route} page after {after} is not signed by the pinned aggregator key; nothing was applied",
            id: "halaman {route} dari agregator setelah {after} tidak ditandatangani dengan kunci agregator yang tersemat; tidak ada yang diterapkan"),

        // The link (libcurl)
        .curlStartFailed: .init(en: "libcurl could not start", id: "libcurl tidak dapat dijalankan"),
        .answerTooLong: .init(en: "the answer from {url} is longer than {limit} bytes; it was not read",
                              id: "jawaban dari {url} lebih dari {limit} bita; jawaban itu tidak dibaca"),
        .answerTooLongHint: .init(en: "check that the aggregator URL points at a Simpul aggregator",
                                  id: "pastikan URL agregator mengarah ke agregator Simpul"),
        .requestCancelled: .init(en: "the request to {url} was cancelled (its answer was no longer wanted)",
                                 id: "permintaan ke {url} dibatalkan (jawabannya tidak lagi diperlukan)"),
        .unreachable: .init(en: "cannot reach the aggregator at {url}: curl error {code}: {detail}",
                            id: "tidak dapat menghubungi agregator di {url}: curl error {code}: {detail}"),
        .linkHintDNS: .init(en: "check the aggregator URL and the office's DNS", id: "periksa URL agregator dan DNS kantor"),
        .linkHintDown: .init(
            en: "the aggregator is down or the link is cut; events stay queued and sync resumes when it is back",
            id: "agregator tidak aktif atau jaringan terputus; peristiwa tetap di antrean sinkronisasi dan sinkronisasi berlanjut saat tersambung kembali"),
        .linkHintSlow: .init(
            en: "the link is too slow or stalled; events stay queued and sync resumes when it recovers",
            id: "jaringan terlalu lambat atau macet; peristiwa tetap di antrean sinkronisasi dan sinkronisasi berlanjut saat jaringan pulih"),
        .linkHintDropped: .init(
            en: "the link dropped during the request; events stay queued and sync resumes from what the aggregator holds",
            id: "jaringan terputus di tengah permintaan; peristiwa tetap di antrean sinkronisasi dan sinkronisasi berlanjut dari data yang dimiliki agregator"),
        .linkHintTLS: .init(en: "the aggregator's TLS certificate did not verify; check the PC's date and sync.ca_file",
                            id: "sertifikat TLS agregator tidak terverifikasi; periksa tanggal PC dan sync.ca_file"),
        .linkHintDefault: .init(en: "events stay queued; sync resumes when the aggregator is reachable",
                                id: "peristiwa tetap di antrean sinkronisasi; sinkronisasi berlanjut saat agregator dapat dihubungi"),
    ]
}
