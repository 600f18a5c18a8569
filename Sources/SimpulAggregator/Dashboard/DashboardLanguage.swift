import SimpulCore

/// The dashboard's two languages: Bahasa Indonesia by default, English on request (`?lang=en`).
enum DashboardLanguage: String, Sendable {
    case id, en

    init(query: String?) {
        self = query == "en" ? .en : .id
    }

    /// The text of `key` in this language (every key has both: `DashboardTextTests`).
    func callAsFunction(_ key: DashboardText) -> String {
        self == .id ? key.indonesian : key.english
    }
}

/// Every text the dashboard shows, in both languages.
enum DashboardText: CaseIterable {
    static let allCases: [DashboardText] = [
        .title, .asOf, .province, .kabkota, .kecamatan, .desa, .wholeDatabase, .language,
        .demandTitle, .demandNote, .servicesTitle, .service, .received, .referred, .responded, .completed, .rejected, .open,
        .toReferral, .toResponse, .toClose, .withinTarget, .targetDays, .calendarDays, .noData,
        .openTitle, .area, .openCases, .over7, .over14, .over30, .providersTitle, .provider, .awaiting, .overdue,
        .nodesTitle, .node, .state, .lastSeen, .headSeq, .clockSkew, .quarantined, .forked, .revoked, .never,
        .silentTitle, .silentNote, .clockWrong, .needsPerson, .badSignatures, .flagged,
        .download, .downloadEvents, .downloadCases, .days, .hours, .nodesFine, .backlog,
    ] + NodeState.allCases.map { .nodeState($0) }

    case title, asOf, province, kabkota, kecamatan, desa, wholeDatabase, language
    case demandTitle, demandNote, servicesTitle, service, received, referred, responded, completed, rejected, open
    case toReferral, toResponse, toClose, withinTarget, targetDays, calendarDays, noData
    case openTitle, area, openCases, over7, over14, over30
    case providersTitle, provider, awaiting, overdue
    case nodesTitle, node, state, lastSeen, headSeq, clockSkew, quarantined, forked, revoked, never
    case silentTitle, silentNote, clockWrong, needsPerson, badSignatures, flagged
    case download, downloadEvents, downloadCases, days, hours, nodesFine, backlog
    case nodeState(NodeState)

    var indonesian: String {
        switch self {
        case .title: "Simpul: layanan kecamatan"
        case .asOf: "Per"
        case .province: "Provinsi"
        case .kabkota: "Kabupaten/Kota"
        case .kecamatan: "Kecamatan"
        case .desa: "Desa/Kelurahan"
        case .wholeDatabase: "Semua wilayah"
        case .language: "English"
        case .demandTitle: "Permintaan layanan per bulan"
        case .demandNote: "Kasus yang diterima, menurut bulan penerimaan (waktu setempat)."
        case .servicesTitle: "Waktu layanan dibanding standar"
        case .service: "Layanan"
        case .received: "Diterima"
        case .referred: "Dirujuk"
        case .responded: "Dijawab penyedia"
        case .completed: "Selesai"
        case .rejected: "Ditolak"
        case .open: "Masih terbuka"
        case .toReferral: "Terima → rujuk (rata-rata)"
        case .toResponse: "Rujuk → jawaban (rata-rata)"
        case .toClose: "Terima → selesai/tolak (rata-rata)"
        case .withinTarget: "Tepat waktu"
        case .targetDays: "Standar (hari kalender)"
        case .calendarDays: "Standar dihitung dalam hari kalender setempat: selesai paling lambat pada akhir hari ke-N setelah diterima."
        case .noData: "Belum ada data."
        case .openTitle: "Kasus terbuka menurut umur"
        case .area: "Wilayah"
        case .openCases: "Terbuka"
        case .over7: "> 7 hari"
        case .over14: "> 14 hari"
        case .over30: "> 30 hari"
        case .providersTitle: "Rujukan belum dijawab, per penyedia"
        case .provider: "Penyedia"
        case .awaiting: "Menunggu jawaban"
        case .overdue: "Melewati standar"
        case .nodesTitle: "Simpul kantor"
        case .node: "Simpul"
        case .state: "Status"
        case .lastSeen: "Terakhir sinkron"
        case .headSeq: "Entri"
        case .clockSkew: "Selisih jam"
        case .quarantined: "Dikarantina"
        case .forked: "bercabang pada seq"
        case .revoked: "dicabut"
        case .never: "belum pernah"
        case .silentTitle: "Kecamatan diam"
        case .silentNote: "Tanpa simpul, atau tidak sinkron lebih dari 2 hari."
        case .clockWrong: "jam salah"
        case .needsPerson: "perlu ditangani petugas"
        case .badSignatures: "permintaan atas namanya dengan tanda tangan salah"
        case .flagged: "Urutan janggal"
        case .download: "Unduh"
        case .downloadEvents: "peristiwa"
        case .downloadCases: "kasus"
        case .days: "hari"
        case .hours: "jam"
        case .backlog: "Antrean sinkronisasi"
        case .nodesFine: "simpul lain tidak bermasalah (sinkron dalam 2 hari terakhir); daftar lengkap di halaman kecamatan."
        case .nodeState(let state):
            switch state {
            case .enrolled: "terdaftar, belum sinkron"
            case .active: "aktif"
            case .forked: "bercabang"
            case .revoked: "dicabut"
            }
        }
    }

    var english: String {
        switch self {
        case .title: "Simpul: kecamatan services"
        case .asOf: "As of"
        case .province: "Province"
        case .kabkota: "Regency/City"
        case .kecamatan: "Kecamatan"
        case .desa: "Village"
        case .wholeDatabase: "All areas"
        case .language: "Bahasa Indonesia"
        case .demandTitle: "Demand for services by month"
        case .demandNote: "Cases received, by the month they were received (local time)."
        case .servicesTitle: "Service times against standards"
        case .service: "Service"
        case .received: "Received"
        case .referred: "Referred"
        case .responded: "Provider responded"
        case .completed: "Completed"
        case .rejected: "Rejected"
        case .open: "Still open"
        case .toReferral: "Received → referred (mean)"
        case .toResponse: "Referred → response (mean)"
        case .toClose: "Received → completed/rejected (mean)"
        case .withinTarget: "Within target"
        case .targetDays: "Target (calendar days)"
        case .calendarDays: "Targets count local calendar days: done by the end of day N after the request was received."
        case .noData: "No data yet."
        case .openTitle: "Open cases by age"
        case .area: "Area"
        case .openCases: "Open"
        case .over7: "> 7 days"
        case .over14: "> 14 days"
        case .over30: "> 30 days"
        case .providersTitle: "Referrals awaiting a response, by provider"
        case .provider: "Provider"
        case .awaiting: "Awaiting response"
        case .overdue: "Past target"
        case .nodesTitle: "Office nodes"
        case .node: "Node"
        case .state: "State"
        case .lastSeen: "Last synced"
        case .headSeq: "Entries"
        case .clockSkew: "Clock skew"
        case .quarantined: "Quarantined"
        case .forked: "forked at seq"
        case .revoked: "revoked"
        case .never: "never"
        case .silentTitle: "Silent kecamatan"
        case .silentNote: "No node, or not synced for more than 2 days."
        case .clockWrong: "clock wrong"
        case .needsPerson: "needs a person"
        case .badSignatures: "request(s) in its name with a bad signature"
        case .flagged: "Odd order"
        case .download: "Download"
        case .downloadEvents: "events"
        case .downloadCases: "cases"
        case .days: "days"
        case .hours: "h"
        case .backlog: "Sync backlog"
        case .nodesFine: "other nodes are fine (synced in the last 2 days); each kecamatan's page lists them all."
        case .nodeState(let state): state.rawValue
        }
    }
}
