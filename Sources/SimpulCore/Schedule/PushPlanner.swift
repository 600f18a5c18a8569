/// The decisions of one catch-up run of pushes, with no I/O: how big the next batch is, whether a second push may
/// travel beside the first, what to do with a `gap` answer, and whether a failed link is worth trying again at once.
///
/// Sized by the link: the planner measures the throughput each push gets and sizes the next batch to take about
/// `targetSeconds`, between a floor and the configured maximum, growing at most twofold per batch (a new link is
/// probed, not flooded). On a fast link two pushes travel at once from the start. On a slow one the second is sent
/// only when the first should have left the node (its bytes over the measured throughput): the round trip of one
/// push is hidden behind the upload of the next, and two never share (and starve on) the link.
/// After a link failure that followed progress, the caller resumes at once with a smaller batch; after one that
/// did not, it gives up and leaves the waiting to its backoff.
///
/// Time is seconds since the run started, passed in by the caller, so tests drive it with a fake clock.
public struct PushPlanner: Sendable {
    /// The limits and targets of a run.
    public struct Tuning: Sendable, Equatable {
        /// The most entries and (uncompressed) bytes in one batch: the node's config within the aggregator's limits.
        public var maxEntries: Int
        public var maxBytes: Int
        /// The fewest entries a batch is cut to (unless fewer are left).
        public var minEntries: Int
        /// The first batch of a run, before anything is measured.
        public var initialEntries: Int
        /// How long one push should take on the wire, on a link that does not drop. On one that does, a batch
        /// takes at most a fifth of the time the link stays up between drops (at least `minTargetSeconds`): a drop
        /// loses the batch on the wire, so the shorter it is, the less is lost.
        public var targetSeconds: Double
        public var minTargetSeconds: Double
        /// From this measured throughput (body bytes per second) two pushes travel at once.
        public var pipelineBytesPerSecond: Double

        public init(maxEntries: Int, maxBytes: Int, minEntries: Int = 50, initialEntries: Int = 500, targetSeconds: Double = 6,
                    minTargetSeconds: Double = 1.5, pipelineBytesPerSecond: Double = 256 * 1024) {
            self.maxEntries = max(1, maxEntries)
            self.maxBytes = maxBytes
            self.minEntries = max(1, min(minEntries, self.maxEntries))
            self.initialEntries = min(max(initialEntries, self.minEntries), self.maxEntries)
            self.targetSeconds = targetSeconds
            self.minTargetSeconds = min(minTargetSeconds, targetSeconds)
            self.pipelineBytesPerSecond = pipelineBytesPerSecond
        }
    }

    /// A batch to prepare and send now: the entries after `after`, at most `maxEntries` and `maxBytes`.
    public struct Batch: Sendable, Equatable {
        public var after: Int64
        public var maxEntries: Int
        public var maxBytes: Int
    }

    /// What the aggregator answered to the oldest push in flight.
    public enum Answer: Sendable, Equatable {
        /// A receipt: the aggregator holds the node's log up to `through`.
        case acknowledged(through: Int64)
        /// The push did not link to the aggregator's head, which is `head`.
        case gap(head: Int64)
    }

    /// What the caller may do now.
    public enum Next: Sendable, Equatable {
        /// Prepare and send this batch.
        case send(Batch)
        /// Nothing now; the next batch may go at this time (the push in flight should have left by then).
        case wait(until: Double)
        /// Nothing until an answer comes (both slots busy, the first push unmeasured, or nothing left).
        case none
    }

    /// What to do after an answer.
    public enum Step: Sendable, Equatable {
        /// Carry on: send what `nextBatch` offers, wait for the next answer.
        case proceed
        /// Let every other push in flight finish unheard, then send again from `after`.
        case restart(after: Int64)
        /// The aggregator keeps answering `gap` to the head it names: stop, this needs a person.
        case giveUp
    }

    /// What to do after the link failed (no answer, a 5xx, busy).
    public enum Recovery: Sendable, Equatable {
        /// The run made progress since the last failure: read the head again and resume now.
        case retryNow
        /// Nothing moved: stop, and let the caller's backoff decide when to try again.
        case giveUp
    }

    /// A push on its way.
    struct Flight: Sendable, Equatable {
        var from: Int64
        var through: Int64
        var bytes: Int
        var sentAt: Double
        /// When its last byte should leave the node, by the measured throughput (nil before a measure).
        var uploadEnd: Double?
    }

    /// What a run learned of the link, handed to the next run (a retry after a failure starts where this one was,
    /// not from the first guess: on a link that drops every few seconds the batches keep shrinking until one fits).
    public struct LinkEstimate: Sendable, Equatable {
        public var throughput: Double?
        public var bytesPerEntry: Double?
        public var roundTrip: Double?
        public var batchEntries: Int
        /// How long the link stays up between drops (smoothed); nil while it never dropped.
        public var uptime: Double?
    }

    public let tuning: Tuning
    /// The aggregator's head for this node, as its last answer said.
    public private(set) var acked: Int64
    /// Entries in the next batch.
    public private(set) var batchEntries: Int
    /// Measured body bytes per second the link delivers (smoothed); nil until a push was answered.
    public private(set) var throughput: Double?
    /// Body bytes per entry (compressed), smoothed.
    public private(set) var bytesPerEntry: Double?
    /// Times the run resumed at once after a link failure that followed progress.
    public private(set) var resumes = 0
    /// The shortest request round trip seen (a head read: no body to upload), in seconds.
    public private(set) var roundTrip: Double?
    /// How long the link stays up between drops (smoothed), and when it last dropped (or the run started).
    public private(set) var uptime: Double?
    var upSince = 0.0
    var flights = [Flight]()
    var sendAfter: Int64
    var exhausted = false
    var lastAnswerAt: Double?
    var retriedAfterGap = false
    var gapsFollowed = 0
    var progressSinceFailure = false

    public init(acked: Int64, tuning: Tuning, learned: LinkEstimate? = nil) {
        self.tuning = tuning
        self.acked = acked
        self.sendAfter = acked
        self.batchEntries = min(max(learned?.batchEntries ?? tuning.initialEntries, tuning.minEntries), tuning.maxEntries)
        self.throughput = learned?.throughput
        self.bytesPerEntry = learned?.bytesPerEntry
        self.roundTrip = learned?.roundTrip
        self.uptime = learned?.uptime
    }

    /// What this run knows of the link, for the next.
    public var learned: LinkEstimate {
        LinkEstimate(throughput: throughput, bytesPerEntry: bytesPerEntry, roundTrip: roundTrip, batchEntries: batchEntries,
                     uptime: uptime)
    }

    /// A request with no body to upload took `seconds` from sending it to its answer: the link's round trip (plus the
    /// aggregator's time). Pushes answered one after the other are measured without it.
    public mutating func observedRoundTrip(_ seconds: Double) {
        guard seconds > 0 else { return }
        roundTrip = min(roundTrip ?? seconds, seconds)
    }

    public var inFlight: Int { flights.count }

    /// True when everything was sent and every push answered.
    public var isDone: Bool { exhausted && flights.isEmpty }

    /// The batch to send at `now`, the time the next one may go, or nothing until an answer.
    public func next(at now: Double) -> Next {
        guard !exhausted, flights.count < 2 else { return .none }
        let batch = Batch(after: sendAfter, maxEntries: batchEntries, maxBytes: tuning.maxBytes)
        guard let last = flights.last else { return .send(batch) }
        guard let throughput else { return .none }
        if throughput >= tuning.pipelineBytesPerSecond { return .send(batch) }
        guard let uploadEnd = last.uploadEnd, now < uploadEnd else { return .send(batch) }
        return .wait(until: uploadEnd)
    }

    /// The batch `next` offered was sent: entries `from...through`, `bytes` on the wire.
    public mutating func sent(from: Int64, through: Int64, bytes: Int, at now: Double) {
        var uploadEnd: Double?
        if let throughput {
            // It queues behind the upload of the push before it, if that is still leaving.
            uploadEnd = max(now, flights.last?.uploadEnd ?? now) + Double(bytes) / throughput
        }
        flights.append(Flight(from: from, through: through, bytes: bytes, sentAt: now, uploadEnd: uploadEnd))
        sendAfter = through
    }

    /// No entries follow the offered batch's `after`: nothing more to send until an answer rewinds.
    public mutating func nothingToSend() {
        exhausted = true
    }

    /// The oldest push in flight was answered.
    public mutating func answered(_ answer: Answer, at now: Double) -> Step {
        guard !flights.isEmpty else { return .proceed }
        let flight = flights.removeFirst()
        defer { lastAnswerAt = now }
        switch answer {
        case .acknowledged(let through):
            acked = through
            retriedAfterGap = false
            progressSinceFailure = true
            measure(flight, at: now)
            if through == flight.through { return .proceed }
            // Acknowledged up to another seq than this batch's last: start over from there.
            return rewind(to: through)
        case .gap(let head):
            if retriedAfterGap {
                // Believed only after one resend: the answer may predate the receipt of the push before it (the two
                // raced). Then the aggregator's head really is behind (restored mid-run): follow it, a few times.
                guard gapsFollowed < 3 else { return .giveUp }
                gapsFollowed += 1
                retriedAfterGap = false
                acked = head
            } else {
                retriedAfterGap = true
            }
            return rewind(to: acked)
        }
    }

    /// How long the next push should take on the wire: the tuning's target, shorter on a link that drops often.
    public var targetSeconds: Double {
        guard let uptime else { return tuning.targetSeconds }
        return min(tuning.targetSeconds, max(tuning.minTargetSeconds, uptime / 5))
    }

    /// The link failed under the pushes in flight (or the head read) at `now`.
    public mutating func linkFailed(at now: Double) -> Recovery {
        let up = max(now - upSince, 0)
        uptime = uptime.map { 0.5 * $0 + 0.5 * up } ?? up
        upSince = now
        _ = rewind(to: acked)
        // A lossy link loses less with smaller batches; they grow again as pushes get through.
        batchEntries = max(tuning.minEntries, batchEntries / 2)
        defer { progressSinceFailure = false }
        guard progressSinceFailure else { return .giveUp }
        resumes += 1
        return .retryNow
    }

    /// A new run of pushes after a resume: the head read says the aggregator holds up to `acked`.
    public mutating func resumed(acked head: Int64) {
        acked = head
        lastAnswerAt = nil
        _ = rewind(to: head)
    }

    /// Forgets the pushes in flight; the next batch follows `seq`.
    mutating func rewind(to seq: Int64) -> Step {
        flights.removeAll()
        exhausted = false
        sendAfter = seq
        return .restart(after: seq)
    }

    /// Learns the link from one answered push and sizes the next batch to take about `targetSeconds`.
    mutating func measure(_ flight: Flight, at now: Double) {
        // A link that has stayed up longer than it used to is trusted with longer batches again.
        if let known = uptime, now - upSince > known { uptime = now - upSince }
        let entries = Double(flight.through - flight.from + 1)
        // The link worked on this push from when it was sent, or from the previous answer if it was sent before that
        // answer (then its round trip overlapped the previous push). Sent after it, the answer's round trip is idle
        // link time, not upload.
        let start = max(flight.sentAt, lastAnswerAt ?? flight.sentAt)
        var busy = now - start
        if flight.sentAt >= (lastAnswerAt ?? flight.sentAt) { busy -= roundTrip ?? 0 }
        busy = max(busy, 0.25 * (now - start), 0.001)
        let rate = Double(flight.bytes) / busy
        let perEntry = max(Double(flight.bytes) / entries, 1)
        let smoothedRate = throughput.map { 0.5 * $0 + 0.5 * rate } ?? rate
        let smoothedPerEntry = bytesPerEntry.map { 0.5 * $0 + 0.5 * perEntry } ?? perEntry
        throughput = smoothedRate
        bytesPerEntry = smoothedPerEntry
        let target = smoothedRate * targetSeconds / smoothedPerEntry
        let grown = min(target, Double(batchEntries) * 2)
        batchEntries = Int(min(max(grown, Double(tuning.minEntries)), Double(tuning.maxEntries)))
    }
}
