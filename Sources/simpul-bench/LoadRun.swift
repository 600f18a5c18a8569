import Foundation

/// The load itself: every simulated node pushes its backlog concurrently, node `i` to replica `i % R`, each starting at
/// its own moment within the first `window` seconds (offices coming back online after an outage). The moments come
/// from the run's seed, so runs with one seed start alike.
struct LoadRun: Sendable {
    let nodes: [LoadNode]
    let endpoints: [LoadEndpoint]
    let pusher: LoadPusher
    let window: Double
    let seed: UInt64

    /// What the load came to: each node's outcome (in node order) and the seconds from the start of the window to the
    /// last node's last receipt (or stop).
    struct Result: Sendable {
        var outcomes: [NodeOutcome]
        var seconds: Double
    }

    func run() async -> Result {
        var generator = SeededGenerator(seed: seed ^ 0x57A2_7000)
        let offsets = nodes.map { _ in window * Double(generator.next() % 1_000_000) / 1_000_000 }
        let start = ContinuousClock.now
        // Unstructured tasks, not a task group: a group finds a finished child by walking its list of children, which
        // with thousands of nodes in flight took a tenth of the harness's CPU.
        let tasks = nodes.enumerated().map { position, node in
            Task { [pusher, endpoint = endpoints[position % endpoints.count], offset = offsets[position]] in
                try? await Task.sleep(until: start + .seconds(offset), clock: .continuous)
                var outcome = await pusher.push(node, to: endpoint, clock: start)
                outcome.finishedAt = start.duration(to: .now).inSeconds
                return outcome
            }
        }
        var done = [NodeOutcome]()
        done.reserveCapacity(tasks.count)
        for task in tasks { done.append(await task.value) }
        return Result(outcomes: done, seconds: done.map(\.finishedAt).max() ?? 0)
    }
}
