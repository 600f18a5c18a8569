"""Schemathesis hooks for the Simpul aggregator (loaded by Tests/schemathesis/run.sh through SCHEMATHESIS_HOOKS).

Two things schemathesis cannot do from docs/openapi.yaml alone:

1. Serialize `application/x-ndjson` (the push body). A generated string goes as its UTF-8 bytes (lone surrogates
   kept as they are, so invalid UTF-8 reaches the server too), bytes as they are, and any other JSON value one
   JSON document a line (a list: one line per item), so negative cases reach the server as well.

2. Sign. Every route under /v1/nodes/ checks an Ed25519 signature by the node's enrolled key, so random requests
   only ever see 400/401/403, and the 200 answers (HeadResponse, Receipt, FeedPage, LogPage) and the refusals
   behind the signature check (stale-counter, gap, fork, broken-hash, invalid-entry, recover-mismatch, quarantine)
   would never be checked against the document. The keys of the test nodes are derived from fixed seeds
   (`private_key`), and run.sh enrols their public keys (`python hooks.py pubkey NODE`). For most POSITIVE cases
   (data that fits the document), `before_call` picks a test node and signs the request for real, with the
   generated clock, `after` and recover fields; a push's random body is replaced by a real batch of this node's
   log (valid, quarantined, re-sent, gzipped, broken, refused or forked, chosen from the case's own bytes). NEGATIVE
   cases go out untouched, so the checks before the signature are fuzzed as before.

Every choice is taken from a SHA-256 of the generated case and its place in the run, and the state (the test
node's log, the request counters) lives here; with one worker, a fixed seed and no values taken from the server's
answers (run.sh's schemathesis.toml), two runs send the same requests.

Two requests go outside schemathesis, and fail the run if the server does not answer as docs/protocol.md says:
a fork of the test node before some recovers (so recover meets a recorded fork), and a recover after six pushes
refused as forked (so the rest of the run pushes again).

What the server answered, per operation, goes to $SIMPUL_ST_TALLY at exit (run.sh prints it); with
$SIMPUL_ST_DEBUG=FILE, each signed case's material and each answer are appended to FILE.
"""

from __future__ import annotations

import atexit
import base64
import gzip
import hashlib
import json
import os
import re
import sys
import threading

NODE_OFFICE = "35.07.01"  # Donomulyo: pushes, reads its head and log, recovers
NODE_PROVIDER = "DISDUKCAPIL.35.07"  # the provider the office refers cases to: reads its feed
NODE_REVOKED = "35.07.02"  # enrolled, then revoked by run.sh: 403 node-revoked behind a valid signature
TEST_NODES = (NODE_OFFICE, NODE_PROVIDER, NODE_REVOKED)
ZERO_HASH = "0" * 64


def private_key(node: str):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = hashlib.sha256(f"simpul schemathesis test key\n{node}".encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_b64(node: str) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = private_key(node).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def sign(node: str, message: str) -> str:
    data = message.encode("utf-8", "surrogatepass")
    return base64.b64encode(private_key(node).sign(data)).decode()


def compact(value) -> bytes:
    """Compact JSON with sorted keys, as a node writes its entries (non-ASCII kept as UTF-8)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")


def json_line(value) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return compact(value)


# ---------------------------------------------------------------------------------------------------------------
# 1. The NDJSON serializer
# ---------------------------------------------------------------------------------------------------------------

try:
    import schemathesis
except ImportError:  # `python hooks.py pubkey NODE` runs without schemathesis too
    schemathesis = None


def to_ndjson(value) -> bytes:
    if isinstance(value, list):
        return b"\n".join(json_line(item) for item in value)
    return json_line(value)


if schemathesis is not None:

    @schemathesis.serializer("application/x-ndjson")
    def ndjson_serializer(ctx, value):
        return to_ndjson(value)


# ---------------------------------------------------------------------------------------------------------------
# 2. Signing, and the test node's log
# ---------------------------------------------------------------------------------------------------------------


class Chain:
    """The office node's log as the aggregator acknowledged it, and whether the node is forked now."""

    def __init__(self) -> None:
        self.entries: list[bytes] = []  # entries[i] is seq i + 1
        self.hashes: list[str] = [ZERO_HASH]  # hashes[seq]
        self.batches: list[tuple[int, int]] = []  # acknowledged batches (from_seq, to_seq)
        self.forked = False
        self.forks = 0
        self.refused_since_fork = 0
        self.cases: list[str] = []  # case ids opened, for referrals

    @property
    def head(self) -> int:
        return len(self.entries)

    @staticmethod
    def next_hash(previous: str, entry: bytes) -> str:
        return hashlib.sha256(bytes.fromhex(previous) + entry).hexdigest()


LOCK = threading.Lock()
CHAIN = Chain()
COUNTERS: dict[str, int] = {node: 1000 for node in TEST_NODES}  # the last counter each test node sent
PENDING: dict[int, dict] = {}  # id(case) -> what a signed push expects to become of it
STATS = {"calls": 0, "signed": 0, "pushes": 0, "feed_entry_items": 0, "log_entries": 0}
PUSH_VARIANTS = ("new", "new", "new", "fuzzed-fields", "referral", "referral", "quarantined", "resend", "gzip",
                 "invalid-entry", "broken-hash", "duplicate-event", "fork", "node-mismatch")
TALLY: dict[str, dict[str, int]] = {}  # "METHOD /path" -> "status problem-type" -> answers


def write_tally() -> None:
    """Writes what the server answered, per operation, to $SIMPUL_ST_TALLY (run.sh prints it)."""
    path = os.environ.get("SIMPUL_ST_TALLY")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"answers": TALLY, "signed": STATS["signed"], "signed_pushes": STATS["pushes"],
                       "feed_entry_items": STATS["feed_entry_items"], "log_entries": STATS["log_entries"],
                       "office_head": CHAIN.head, "forks": CHAIN.forks}, out, indent=1, sort_keys=True)


atexit.register(write_tally)


def digest(case) -> bytes:
    """The case's own bytes and its place in the run, hashed: every choice below comes from it, so a seed gives
    the same run."""
    headers = dict(case.headers or {})
    body = case.body if type(case.body).__name__ != "NotSet" else None  # NotSet's repr holds an address
    STATS["calls"] += 1  # hypothesis repeats small cases often: the call's place in the run varies the choice
    material = repr((STATS["calls"], case.method, case.path, sorted((case.path_parameters or {}).items()),
                     sorted(headers.items()), sorted((case.query or {}).items()), body))
    if os.environ.get("SIMPUL_ST_DEBUG"):
        with open(os.environ["SIMPUL_ST_DEBUG"], "a", encoding="utf-8", errors="replace") as out:
            out.write(material + "\n")
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).digest()


def is_positive(case) -> bool:
    meta = getattr(case, "meta", None)
    if meta is None:  # explicit examples from the document are positive
        return True
    return not meta.generation.mode.is_negative


def header(case, name: str):
    for key, value in (case.headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def set_header(case, name: str, value) -> None:
    if case.headers is None:
        case.headers = {}
    for key in list(case.headers.keys()):
        if key.lower() == name.lower():
            del case.headers[key]
    if value is not None:
        case.headers[name] = value


def next_counter(node: str, stale: bool) -> int:
    if stale:  # a replayed counter: 409 stale-counter (documented), when the node has one accepted
        return COUNTERS[node]
    COUNTERS[node] += 1
    return COUNTERS[node]


def swift_int64_text(value) -> int | None:
    """The `after` the aggregator reads: Swift's Int64(text), an optional sign and decimal digits."""
    text = str(value)
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    number = int(text)
    return number if -(1 << 63) <= number < (1 << 63) else None


def pick_node(d: bytes) -> str:
    return (NODE_OFFICE, NODE_OFFICE, NODE_PROVIDER, NODE_REVOKED)[d[1] % 4]


def sign_read(case, d: bytes, purpose: str) -> None:
    """head, feed and log: the node signs `{purpose}-v1 \\n node [\\n after] \\n clock \\n counter`."""
    node = pick_node(d)
    case.path_parameters["node"] = node
    set_header(case, "Simpul-Node", node)
    counter = next_counter(node, stale=d[2] % 10 == 0 and COUNTERS[node] > 1000)
    set_header(case, "Simpul-Counter", str(counter))
    clock = header(case, "Simpul-Clock") or ""
    fields = [node]
    if purpose != "simpul-head":
        if case.query is None:
            case.query = {}
        if d[3] % 2 == 0:  # half the reads from the start, so the pages carry items
            case.query["after"] = 0
        raw = case.query.get("after")
        after = 0 if raw is None else swift_int64_text(raw)
        fields.append(str(after if after is not None else 0))
    fields += [clock, str(counter)]
    set_header(case, "Simpul-Signature", sign(node, "\n".join([f"{purpose}-v1"] + fields)))


def sign_recover(case, d: bytes) -> None:
    """recover: the node signs `simpul-recover-v1 \\n node \\n seq \\n hash \\n clock \\n counter` in the body. A third
    of the office's recovers first fork the node for real (out of band), so that the recover under test meets a
    recorded fork: with the stored head it resolves it (200), with the generated seq/hash it is 409
    recover-mismatch."""
    if not isinstance(case.body, dict):
        return
    node = NODE_OFFICE if d[1] % 4 < 3 else NODE_REVOKED
    case.path_parameters["node"] = node
    body = dict(case.body)
    body["node"] = node
    if node == NODE_OFFICE and not CHAIN.forked and CHAIN.head >= 1 and CHAIN.forks < 6 and d[5] % 3 == 0:
        fork_inline()
    if node == NODE_OFFICE and (d[3] % 2 == 0 if not CHAIN.forked else d[4] % 3 != 0):
        body["seq"], body["hash"] = CHAIN.head, CHAIN.hashes[CHAIN.head]  # the stored head (else as generated)
    counter = next_counter(node, stale=d[2] % 10 == 0 and COUNTERS[node] > 1000)
    body["counter"] = counter
    seq, hash_, clock = body.get("seq"), body.get("hash"), body.get("clock")
    if not (isinstance(seq, int) and not isinstance(seq, bool) and isinstance(hash_, str) and isinstance(clock, str)):
        return
    body["signature"] = sign(node, "\n".join(["simpul-recover-v1", node, str(seq), hash_, clock, str(counter)]))
    case.body = body


def event(seq: int, kind: str = "request.received", **fields) -> dict:
    ev = {
        "case": f"K-{seq}",
        "channel": "counter",
        "desa": "35.07.01.2001",
        "id": "0195%04x-%04x-7%03x-8%03x-%012x" % (seq >> 16 & 0xFFFF, seq & 0xFFFF, seq % 4096, seq % 4096, seq),
        "kind": kind,
        "occurred_at": "2026-03-01T09:00:00+07:00",
        "officer": "Sari",
        "service": "ADM.KTPEL",
    }
    ev.update(fields)
    return {k: v for k, v in ev.items() if v is not None}


def entry(seq: int, ev: dict, node: str = NODE_OFFICE, extra: dict | None = None) -> bytes:
    value = {"event": ev, "hlc": ((1_772_330_400_000 + seq * 1000) << 16), "node": node, "seq": seq}
    value.update(extra or {})
    return compact(value)


def fuzz_text(case) -> str:
    """Free text from the generated body, for the event fields the aggregator's rules check."""
    body = case.body if isinstance(case.body, str) else repr(case.body)
    return body[:80] or "x"


def push_header(node: str, from_seq: int, to_seq: int, prev: str, last: str, clock: str, signed_node: str | None = None) -> bytes:
    message = "\n".join(["simpul-push-v1", node, str(from_seq), str(to_seq), prev, last, clock])
    value = {"clock": clock, "from_seq": from_seq, "last_hash": last, "node": node, "prev_hash": prev,
             "protocol": 1, "signature": sign(signed_node or node, message), "to_seq": to_seq}
    return compact(value)


def batch(start: int, entries: list[bytes], clock: str, broken: bool = False) -> tuple[bytes, list[str]]:
    """A push body of the office node from `start`, signed; and the chain hashes of its entries."""
    prev = CHAIN.hashes[start - 1] if start - 1 <= CHAIN.head else "ab" * 32
    hashes = [prev]
    for item in entries:
        hashes.append(Chain.next_hash(hashes[-1], item))
    last = hashes[-1] if not broken else Chain.next_hash(hashes[-1], b"x")
    to_seq = start + len(entries) - 1
    return b"\n".join([push_header(NODE_OFFICE, start, to_seq, prev, last, clock)] + entries), hashes[1:]


def build_push(case, d: bytes) -> None:
    """Replaces a positive push's random body with a signed batch of the office node's log."""
    case.path_parameters["node"] = NODE_OFFICE
    set_header(case, "Simpul-Node", NODE_OFFICE)
    clock = header(case, "Simpul-Clock") or "2026-03-01T02:00:00.000Z"
    head = CHAIN.head
    variant = PUSH_VARIANTS[d[1] % len(PUSH_VARIANTS)]
    if variant == "referral" and not CHAIN.cases or variant == "resend" and not CHAIN.batches:
        variant = "new"
    if variant == "fork" and (head < 3 or CHAIN.forks >= 6 or CHAIN.forked):
        variant = "gap" if d[3] % 2 == 0 else "node-mismatch"
    count = 1 + d[2] % 3
    gzipped = False
    expect = "ok"
    start = head + 1
    if variant == "new":  # new valid entries
        entries = [entry(start + i, event(start + i)) for i in range(count)]
    elif variant == "fuzzed-fields":  # event fields from the generated text: stored, quarantined or 422
        text = fuzz_text(case)
        entries = [entry(start, event(start, officer=text[:64], case=("C" + text)[:64]))]
        if count > 1:
            entries.append(entry(start + 1, event(start + 1, service=text[:64], attrs={"note": text})))
        expect = "any"
    elif variant == "referral":  # a referral of a case already stored: the provider's feed gets the case
        case_id = CHAIN.cases[d[3] % len(CHAIN.cases)]
        entries = [entry(start, event(start, kind="request.referred", case=case_id, provider=NODE_PROVIDER,
                                      channel=None, desa=None))]
    elif variant == "quarantined":  # an event the province's rules refuse: stored, acknowledged, held
        entries = [entry(start, event(start, service="NOT.IN.CATALOGUE"))]
    elif variant == "resend":  # an acknowledged batch again: duplicates, same head
        first, last = CHAIN.batches[d[3] % len(CHAIN.batches)]
        start = first
        entries = CHAIN.entries[first - 1:last]
        expect = "duplicate"
    elif variant == "gzip":  # gzip, with or without Content-Encoding (the magic bytes are enough)
        entries = [entry(start + i, event(start + i)) for i in range(count)]
        gzipped = True
    elif variant == "invalid-entry":  # an unknown key in the event (a raw nik): 422 invalid-entry
        entries = [entry(start, event(start, nik="3507014509900001"))]
        expect = "refused"
    elif variant == "broken-hash":  # the entries do not hash to the signed last_hash: 422 broken-hash
        entries = [entry(start, event(start))]
        expect = "broken"
    elif variant == "duplicate-event" and head >= 1:  # a new seq with an event id already stored: 409
        stored = json.loads(CHAIN.entries[d[3] % head])["event"]
        entries = [entry(start, dict(stored, case=f"K-{start}"))]
        expect = "refused"
    elif variant == "fork":  # a different entry at the stored head: 409 fork, the node is marked forked
        start = head
        entries = [entry(start, event(start + 100_000))]
        expect = "fork"
    elif variant == "gap":  # beyond the head: 409 gap (after a one-second wait)
        start = head + 2
        entries = [entry(start, event(start))]
        expect = "gap"
    else:  # the header names another node than the path: 403 node-mismatch
        variant = "node-mismatch"
        entries = [entry(start, event(start))]
        case.path_parameters["node"] = NODE_PROVIDER
        expect = "refused"

    body, hashes = batch(start, entries, clock, broken=expect == "broken")
    if d[4] % 3 == 0:
        body += b"\n"  # a final newline is optional
    if gzipped:
        body = gzip.compress(body, mtime=0)
        set_header(case, "Content-Encoding", "gzip" if d[3] % 2 == 0 else None)
    else:
        set_header(case, "Content-Encoding", None if d[3] % 2 == 0 else "identity")
    case.body = body
    PENDING[id(case)] = {"start": start, "entries": entries, "hashes": hashes, "expect": expect, "variant": variant}
    STATS["pushes"] += 1


if schemathesis is not None:

    @schemathesis.hook
    def before_call(context, case, kwargs):
        with LOCK:
            if not is_positive(case):
                return  # negative data goes out as generated
            d = digest(case)
            if d[0] % 4 == 0:
                return  # a quarter of the positive cases keep their random signature (401/403)
            path = case.operation.path
            STATS["signed"] += 1
            if path == "/v1/nodes/{node}/head":
                sign_read(case, d, "simpul-head")
            elif path == "/v1/nodes/{node}/feed":
                sign_read(case, d, "simpul-feed-request")
            elif path == "/v1/nodes/{node}/log":
                sign_read(case, d, "simpul-log-request")
            elif path == "/v1/nodes/{node}/recover":
                sign_recover(case, d)
            elif path == "/v1/nodes/{node}/push":
                if CHAIN.forked:
                    CHAIN.refused_since_fork += 1
                build_push(case, d)
            else:
                STATS["signed"] -= 1

    @schemathesis.hook
    def after_call(context, case, response):
        with LOCK:
            key = f"{case.operation.method.upper()} {case.operation.path}"
            if case.method.upper() != case.operation.method.upper():
                key = "another method on a documented path"
            problem = ""
            if response.status_code >= 400:
                try:
                    problem = " " + str(json.loads(response.content).get("type"))
                except (ValueError, AttributeError):
                    problem = " (not JSON)"
            TALLY.setdefault(key, {}).setdefault(f"{response.status_code}{problem}", 0)
            TALLY[key][f"{response.status_code}{problem}"] += 1
            if os.environ.get("SIMPUL_ST_DEBUG"):
                with open(os.environ["SIMPUL_ST_DEBUG"], "a", encoding="utf-8", errors="replace") as out:
                    out.write(f"-> {case.method} {case.formatted_path} {case.query} {response.status_code} {response.content[:200]!r}\n")
            if response.status_code == 200 and case.operation.path in ("/v1/nodes/{node}/feed", "/v1/nodes/{node}/log"):
                try:
                    page = json.loads(response.content)
                    STATS["feed_entry_items"] += sum(1 for item in page.get("items", []) if item.get("type") == "entry")
                    STATS["log_entries"] += len(page.get("entries", []))
                except (ValueError, AttributeError, TypeError):
                    pass
            if case.operation.path == "/v1/nodes/{node}/recover" and response.status_code == 200:
                try:
                    if json.loads(response.content).get("state") != "forked":
                        CHAIN.forked = False
                except ValueError:
                    pass
            pending = PENDING.pop(id(case), None)
            if pending is None:
                return
            status = response.status_code
            variants = TALLY.setdefault("signed pushes by variant", {})
            answer = f"{pending['variant']} -> {status}"
            variants[answer] = variants.get(answer, 0) + 1
            if status == 200:
                try:
                    receipt = json.loads(response.content)
                except ValueError:
                    return
                start, entries, hashes = pending["start"], pending["entries"], pending["hashes"]
                end = start + len(entries) - 1
                if receipt.get("seq") == end and end > CHAIN.head and start <= CHAIN.head + 1:
                    for offset, (item, hash_) in enumerate(zip(entries, hashes)):
                        seq = start + offset
                        if seq > CHAIN.head:
                            CHAIN.entries.append(item)
                            CHAIN.hashes.append(hash_)
                            try:
                                CHAIN.cases.append(json.loads(item)["event"]["case"])
                            except (ValueError, KeyError):
                                pass
                    CHAIN.batches.append((start, end))
            elif status == 409 and pending["expect"] == "fork":
                CHAIN.forked = True
                CHAIN.forks += 1
                CHAIN.refused_since_fork = 0
            if CHAIN.forked and CHAIN.refused_since_fork >= 6:
                recover_inline()


def fork_inline() -> None:
    """Forks the office node for real, as a node restored from an old backup would: a different entry at the stored
    head. Sent outside schemathesis; an answer other than 409 fork fails the run."""
    import requests

    start = CHAIN.head
    body, _ = batch(start, [entry(start, event(start + 200_000 + CHAIN.forks))], "2026-03-01T02:00:00.000Z")
    response = requests.post(f"{os.environ['SIMPUL_ST_BASE_URL']}/v1/nodes/{NODE_OFFICE}/push", data=body,
                             headers={"Simpul-Protocol": "1", "Content-Type": "application/x-ndjson"}, timeout=30)
    if response.status_code != 409 or response.json().get("type") != "fork":
        raise AssertionError(f"the test node's fork was not refused as a fork: {response.status_code} {response.text}")
    CHAIN.forked = True
    CHAIN.forks += 1
    CHAIN.refused_since_fork = 0


def recover_inline() -> None:
    """After six pushes refused as forked, the test node recovers (as `simpul recover` would), so the rest of the
    run pushes again. Sent outside schemathesis; an answer other than 200 fails the run."""
    import requests

    base = os.environ["SIMPUL_ST_BASE_URL"]
    COUNTERS[NODE_OFFICE] += 1
    counter = COUNTERS[NODE_OFFICE]
    clock = "2026-03-01T02:00:00.000Z"
    body = {"clock": clock, "counter": counter, "hash": CHAIN.hashes[CHAIN.head], "node": NODE_OFFICE,
            "seq": CHAIN.head}
    body["signature"] = sign(NODE_OFFICE, "\n".join(
        ["simpul-recover-v1", NODE_OFFICE, str(CHAIN.head), CHAIN.hashes[CHAIN.head], clock, str(counter)]))
    response = requests.post(f"{base}/v1/nodes/{NODE_OFFICE}/recover", json=body,
                             headers={"Simpul-Protocol": "1"}, timeout=30)
    if response.status_code != 200 or response.json().get("state") == "forked":
        raise AssertionError(f"the test node's recover after its fork failed: {response.status_code} {response.text}")
    CHAIN.forked = False


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "pubkey":
        print(public_key_b64(sys.argv[2]))
    else:
        sys.exit("usage: hooks.py pubkey NODE")
