import Foundation
import Synchronization

/// Peak memory of processes named on the command line (`--watch-pid NAME=PID`), sampled from /proc every 100 ms while
/// the load runs. Each sample sums a process and all its descendants (found through the parent pid in /proc/*/stat), so
/// a PostgreSQL postmaster counts with its backends. Two sums: VmRSS, which counts shared memory (PostgreSQL's shared
/// buffers) once per process that touched it, and Pss (/proc/PID/smaps_rollup), which shares it out. Pss is read every
/// tenth sample only: the kernel walks a process's page tables for it, milliseconds per PostgreSQL backend, which at
/// every sample took a third of a core from the processes under test. The process tree is re-read as often (a scan of
/// every /proc/PID/stat); a process started in between counts from the next re-read.
/// For the named process alone, its VmHWM too (reset at the start where /proc/PID/clear_refs allows it).
final class MemoryWatch: Sendable {
    /// A process to watch: what the report calls it, and its pid.
    struct Target: Sendable {
        var name: String
        var pid: Int32

        /// Parses `NAME=PID`.
        init(_ text: String) throws {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let pid = Int32(parts[1]), pid > 0 else {
                throw BenchError("--watch-pid '\(text)' must be NAME=PID (e.g. aggregator=12345)")
            }
            name = parts[0]
            self.pid = pid
        }
    }

    /// The peaks of one target over the run.
    struct Peak: Sendable, Codable {
        var name: String
        var pid: Int32
        /// The largest sum of VmRSS (bytes) over the process and its descendants in one sample.
        var peakRSSBytes: Int
        /// The largest sum of Pss (bytes) in one of the samples that read it (every tenth), when smaps_rollup was readable.
        var peakPSSBytes: Int?
        /// The named process's own VmHWM at the end (bytes): since the reset at the start, or since it began.
        var hwmBytes: Int?
        var hwmSinceStart: Bool
        /// The most processes counted in one sample (the process and its descendants).
        var processes: Int
        var samples: Int
    }

    private let targets: [Target]
    private let peaks: Mutex<[Peak]>
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let taken = Atomic<Int>(0)
    private let tree = Mutex<[Int32: [Int32]]>([:])

    init(_ targets: [Target]) {
        self.targets = targets
        peaks = Mutex(targets.map {
            Peak(name: $0.name, pid: $0.pid, peakRSSBytes: 0, hwmSinceStart: false, processes: 0, samples: 0)
        })
    }

    /// Resets each named process's VmHWM where allowed, then samples every 100 ms until `stop`.
    func start() {
        guard !targets.isEmpty else { return }
        peaks.withLock { peaks in
            for index in peaks.indices {
                let path = "/proc/\(peaks[index].pid)/clear_refs"
                peaks[index].hwmSinceStart = (try? "5".write(toFile: path, atomically: false, encoding: .utf8)) != nil
            }
        }
        let sampling = Task.detached { [self] in
            while !Task.isCancelled {
                sample()
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        task.withLock { $0 = sampling }
    }

    /// Stops sampling (after one last sample) and answers the peaks.
    func stop() async -> [Peak] {
        if let sampling = task.withLock({ $0 }) {
            sampling.cancel()
            await sampling.value
        }
        if !targets.isEmpty { sample() }
        return peaks.withLock { peaks in
            for index in peaks.indices {
                peaks[index].hwmBytes = Self.statusField("VmHWM", pid: peaks[index].pid)
            }
            return peaks
        }
    }

    private func sample() {
        let thorough = taken.add(1, ordering: .relaxed).oldValue % 10 == 0
        if thorough {
            let fresh = Self.childrenByParent()
            tree.withLock { $0 = fresh }
        }
        let children = tree.withLock { $0 }
        var taken = [(rss: Int, pss: Int?, processes: Int)]()
        for target in targets {
            var rss = 0, pss = 0, pssReadable = true, processes = 0
            var queue = [target.pid]
            while let pid = queue.popLast() {
                guard let resident = Self.statusField("VmRSS", pid: pid) else { continue }
                rss += resident
                processes += 1
                if thorough, let proportional = Self.pss(pid: pid) { pss += proportional } else { pssReadable = false }
                queue += children[pid] ?? []
            }
            taken.append((rss, pssReadable && processes > 0 ? pss : nil, processes))
        }
        peaks.withLock { peaks in
            for (index, value) in taken.enumerated() where value.processes > 0 {
                peaks[index].samples += 1
                peaks[index].peakRSSBytes = max(peaks[index].peakRSSBytes, value.rss)
                if let pss = value.pss { peaks[index].peakPSSBytes = max(peaks[index].peakPSSBytes ?? 0, pss) }
                peaks[index].processes = max(peaks[index].processes, value.processes)
            }
        }
    }

    /// Every process's children, from the parent pid in /proc/PID/stat.
    static func childrenByParent() -> [Int32: [Int32]] {
        var children = [Int32: [Int32]]()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let stat = ProcFile.read("/proc/\(name)/stat"),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After "pid (comm) ": state, then ppid. The command name may hold spaces and parentheses.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(pid) }
        }
        return children
    }

    /// A `kB` field of /proc/PID/status, in bytes.
    static func statusField(_ field: String, pid: Int32) -> Int? {
        ProcFile.read("/proc/\(pid)/status").flatMap { kilobytes(field, in: $0) }
    }

    static func pss(pid: Int32) -> Int? {
        ProcFile.read("/proc/\(pid)/smaps_rollup").flatMap { kilobytes("Pss", in: $0) }
    }

    static func kilobytes(_ field: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let value = line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            return value.map { $0 * 1024 }
        }
        return nil
    }
}
