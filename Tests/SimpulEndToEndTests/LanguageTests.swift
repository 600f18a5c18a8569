import Foundation
import Testing

/// Bahasa Indonesia for what a person reads, chosen from the locale or SIMPUL_LANG; `--json` stays English.
@Suite("The command line's language")
struct LanguageTests {
    static let indonesian = ["LANG": "id_ID.UTF-8"]

    @Test("under LANG=id_ID.UTF-8 an error and its hint are in Indonesian; under LANG=C in English; the exit status is the same")
    func errorAndHint() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simpul-lang-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = ["status", "--config", dir + "/missing.toml"]

        let id = try await CLI.run(missing, in: dir, environment: Self.indonesian)
        #expect(id.stderr.contains("simpul: galat: konfigurasi node tidak ditemukan di \(dir)/missing.toml"), "\(id.stderr)")
        #expect(id.stderr.contains("petunjuk: jalankan dulu 'simpul init --node-id"), "\(id.stderr)")

        let en = try await CLI.run(missing, in: dir, environment: ["LANG": "C"])
        #expect(en.stderr.contains("simpul: error: no node config at \(dir)/missing.toml"), "\(en.stderr)")
        #expect(en.stderr.contains("hint: run 'simpul init --node-id"), "\(en.stderr)")
        #expect(id.status == en.status && en.status != 0)

        // A usage error of the command itself, and its hint.
        let wait = try await CLI.run(["sync", "now", "--wait", "soon", "--config", dir + "/missing.toml"], in: dir, environment: Self.indonesian)
        #expect(wait.stderr.contains("konfigurasi node tidak ditemukan") || wait.stderr.contains("bukan durasi"), "\(wait.stderr)")
    }

    @Test("status reads in Indonesian under LANG=id_ID.UTF-8 and in English under LANG=C; SIMPUL_LANG=en overrides the locale")
    func statusText() async throws {
        let node = try await CLINode.make()
        defer { node.remove() }

        let id = try await node.run(["status"], environment: Self.indonesian)
        #expect(id.status == 0, "\(id.stderr)")
        for text in ["kunci publik", "head log", "seq 0 (antrean sinkronisasi 0)", "sinkron terakhir belum pernah", "peran", "kantor", "berhenti"] {
            #expect(id.stdoutText.contains(text), "no '\(text)' in: \(id.stdoutText)")
        }

        let en = try await node.run(["status"], environment: ["LANG": "C"])
        for text in ["public key", "log head", "seq 0 (backlog 0)", "last sync   never", "daemon      stopped"] {
            #expect(en.stdoutText.contains(text), "no '\(text)' in: \(en.stdoutText)")
        }

        let overridden = try await node.run(["status"], environment: ["LANG": "id_ID.UTF-8", "SIMPUL_LANG": "en"])
        #expect(overridden.stdoutText == en.stdoutText)
        let forced = try await node.run(["status"], environment: ["LC_ALL": "C.UTF-8", "SIMPUL_LANG": "id"])
        #expect(forced.stdoutText == id.stdoutText)
        // An unknown SIMPUL_LANG falls back to the locale.
        let unknown = try await node.run(["status"], environment: ["LANG": "id_ID.UTF-8", "SIMPUL_LANG": "jv"])
        #expect(unknown.status == 0 && unknown.stdoutText == id.stdoutText)
        // LC_ALL comes before LANG.
        let lcAll = try await node.run(["status"], environment: ["LANG": "id_ID.UTF-8", "LC_ALL": "C"])
        #expect(lcAll.stdoutText == en.stdoutText)
    }

    @Test("why an event is refused reads in Indonesian under LANG=id_ID.UTF-8, naming the line, field and value as given")
    func validationError() async throws {
        let node = try await CLINode.make()
        defer { node.remove() }
        let file = node.dir + "/bad.ndjson"
        try EventFile.write([EventFile.line(0), EventFile.line(1).replacingOccurrences(of: "ADM.KK", with: "NOPE")], to: file)
        let id = try await node.run(["record", "--file", file], environment: Self.indonesian)
        #expect(id.status == 2)
        #expect(id.stderr.contains("simpul: galat: peristiwa tidak valid: baris 2: isian 'service' (nilai 'NOPE'): tidak ada di katalog layanan"),
                "\(id.stderr)")
        #expect(id.stderr.contains("petunjuk: perbaiki baris itu, lalu catat lagi"), "\(id.stderr)")
        let en = try await node.run(["record", "--file", file])
        #expect(en.stderr.contains("invalid event: line 2: field 'service' (value 'NOPE'): is not in the service catalogue"), "\(en.stderr)")
    }

    @Test("--json is the same document in every language, with English keys and values")
    func jsonStaysEnglish() async throws {
        let node = try await CLINode.make()
        defer { node.remove() }
        let id = try await node.run(["status", "--json"], environment: Self.indonesian)
        let en = try await node.run(["status", "--json"], environment: ["LANG": "C"])
        let idObject = try #require(try JSONSerialization.jsonObject(with: id.stdout) as? [String: Any])
        #expect(idObject["daemon"] as? String == "stopped")
        #expect(idObject["role"] as? String == "office")
        #expect(id.stdout == en.stdout)
    }

    @Test("--help abstracts are in Indonesian under LANG=id_ID.UTF-8")
    func helpAbstracts() async throws {
        let dir = FileManager.default.temporaryDirectory.path
        let help = try await CLI.run(["--help"], in: dir, environment: Self.indonesian)
        #expect(help.stdoutText.contains("Mencatat peristiwa layanan publik"), "\(help.stdoutText)")
        #expect(help.stdoutText.contains("Menyiapkan node kantor ini"), "\(help.stdoutText)")
        let english = try await CLI.run(["--help"], in: dir)
        #expect(english.stdoutText.contains("Record public-service events offline"), "\(english.stdoutText)")
    }
}

/// The daemon runs under systemd without the operator's locale: what it refuses comes back as catalogue keys, and the
/// CLI shows it in the operator's language. And the aggregator's command line speaks Indonesian too.
@Suite("The command line's language (live)", .serialized)
struct LiveLanguageTests {
    @Test("a refusal that comes back from the daemon is shown in the operator's language; the daemon's log stays English")
    func daemonRefusalInOperatorsLanguage() async throws {
        try await LiveCluster.run { cluster in
            let node = try await cluster.makeNode("35.07.02", enrol: false)
            try await node.record(2)
            let daemon = try node.start(["daemon"], environment: ["SIMPUL_SYNC_INTERVAL_SECONDS": "3600"])
            defer { if daemon.isRunning { daemon.killNow() } }
            var running = false
            for _ in 0..<80 where !running {
                try await Task.sleep(for: .milliseconds(250))
                running = (try? await node.status())?["daemon"] as? String == "running"
            }
            try #require(running, "the daemon did not start: \(daemon.stderrSoFar())")

            let sync = try await node.run(["sync", "now"], environment: ["LANG": "id_ID.UTF-8"])
            #expect(sync.status == 4, "\(sync.summary)")
            #expect(sync.stderr.contains("simpul: galat: "), "\(sync.stderr)")
            #expect(sync.stderr.contains("petunjuk: berikan id dan kunci publik node ini kepada TI provinsi"), "\(sync.stderr)")
            let english = try await node.run(["sync", "now"], environment: ["LANG": "C.UTF-8"])
            #expect(english.stderr.contains("hint: give provincial IT this node's id and public key"), "\(english.stderr)")
            // status, answered by the daemon, shows the stored last error in the operator's language too.
            let status = try await node.run(["status"], environment: ["LANG": "id_ID.UTF-8"])
            #expect(status.stdoutText.contains("galat terakhir   membaca head node ini: "), "\(status.stdoutText)")
            #expect(status.stdoutText.contains("TINDAKAN         sinkronisasi ditolak"), "\(status.stdoutText)")
            #expect(status.stdoutText.contains("daemon           berjalan"), "\(status.stdoutText)")

            daemon.signal(SIGTERM)
            let stopped = await daemon.finish(within: .seconds(20))
            #expect(!stopped.stderr.contains("galat") && !stopped.stderr.contains("petunjuk"), "the daemon's log is not English: \(stopped.stderr)")
        }
    }

    @Test("an aggregator command's error and hint are in Indonesian under LANG=id_ID.UTF-8, with the same exit status")
    func aggregatorError() async throws {
        try await LiveCluster.run(serve: false) { cluster in
            let arguments = ["nodes", "revoke", "35.07.99", "--config", cluster.aggregatorConfig]
            let id = try await cluster.spawn("simpul-aggregator", arguments, environment: ["LANG": "id_ID.UTF-8"]).finish()
            #expect(id.status == 2, "\(id.summary)")
            #expect(id.stderr.contains("simpul-aggregator: galat: node 35.07.99 belum terdaftar"), "\(id.stderr)")
            #expect(id.stderr.contains("petunjuk: lihat 'simpul-aggregator nodes list'"), "\(id.stderr)")
            let en = try await cluster.spawn("simpul-aggregator", arguments).finish()
            #expect(en.status == 2 && en.stderr.contains("simpul-aggregator: error: node 35.07.99 is not enrolled"), "\(en.stderr)")
            let help = try await cluster.spawn("simpul-aggregator", ["--help"], environment: ["LANG": "id_ID.UTF-8"]).finish()
            #expect(help.stdoutText.contains("Agregator provinsi"), "\(help.stdoutText)")
        }
    }
}
