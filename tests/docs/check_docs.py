#!/usr/bin/env python3
"""Runs the command examples of the docs and compares their output.

Usage: check_docs.py ORDER_NODE_BINARY REPO_ROOT

Reads README.md, docs/repl.md, docs/http.md, docs/cluster.md and
docs/console.md, takes every
fenced code block that shows commands (lines starting with `$ `), runs the
commands with the built binary in place of `build/release/order-node` or
`order-node`, and compares what they print with the lines the block shows
after each command. Python 3 standard library only (CTest test `docs`).

Markers, an HTML comment on the line right before a block's opening fence:

  <!-- docs-test: skip -->     not run (tables, config files, TLS files,
                                builds); counted as skipped
  <!-- docs-test: cluster -->  a cluster walkthrough (see run_cluster_block)
  <!-- docs-test: timing -->   what it prints depends on how fast the
                               machine is (a `stats` while an order is
                               still in flight): run, except in a sanitizer
                               build

Every other block with `$ ` lines is run, so an example cannot be added
untested by accident; an unmarked block that holds commands without `$ ` is
an error.

Comparison, line by line:
  - a JSON line: every field and the field order, exactly, except
    milliseconds (`processingTimeMs`, `ms`, `startMs`, any `*_ms`): within
    +-max(10 ms, 10 %) (a sanitizer build, found by its symbols, or
    CHECK_DOCS_SLOW=1: +-max(50 ms, 50 %), and only the total of the
    bench's counts); `uptimeSeconds` and the bench's timings (`seconds`,
    `orders_per_s`, `*_ms`, `steady.orders`) are ignored. `calls` (in
    completion order) and `stats.orders` (in the order the desk's shards
    answer) are compared as multisets, the fields of the bench's `counts`
    (first-seen order) in any order. Elisions:
    `[...anything...]` matches any value, `,...}` any further fields.
  - a line `...` alone matches any number of lines.
  - a result line of a terminal, `ORD_x confirmed 151 ms — details`: the
    same fields of the JSON result (the cluster front runs on a pipe).
  - a Prometheus line `name{labels} value`: name and labels exactly, the
    value exactly, except `*_seconds_sum` (loosely, as milliseconds) and
    `order_node_uptime_seconds` (ignored). Output made of such lines only is
    compared as a set (prometheus-cpp prints a metric's series in no fixed
    order).
  - anything else exactly.
  - a log line (`2026-11-25T08:34:25.013+00:00 info text`, after a prompt
    too) is not compared with stdout: its `level text` must appear in a
    line of the same shape (time with its UTC offset) in the stderr of the
    command (after a curl: of the node in the background), with the
    ports replaced, and any `process N` and `durationMs=N` (the result's
    `processingTimeMs` is compared).

Commands:
  - `$ order-node ... &` starts a node for the HTTP examples that follow in
    the same file, with `--http=127.0.0.1:0` added; `localhost:9080` in
    later commands becomes its port.
  - `$ curl ...` runs through bash with `curl` replaced by this script's own
    small HTTP client (`--curl`, http.client), so curl need not be
    installed; pipes after it run in bash.
  - anything else runs through `bash -c` in a temporary directory (HOME
    too), stdin empty, bounded in time. A command that pipes into order-node
    (a script) must pass `--http=off`, unless it is a client or services
    node (they have no HTTP ingress).
"""

import json
import os
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import http.client
import urllib.parse

DOCS = ["README.md", "docs/repl.md", "docs/http.md", "docs/cluster.md",
        "docs/console.md"]
MARKER = re.compile(r"^<!--\s*docs-test:\s*(\S+)\s*-->\s*$")
KNOWN_MARKERS = ("skip", "cluster", "timing")
# The time with its offset from UTC, in the docs and on stderr alike.
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (trace|debug|info|"
    r"warning|error|critical) (.*)$")
HUMAN_RESULT = re.compile(r"^(ORD_[0-9a-f]+) (\S+) (\d+) ms \u2014 (.*)$")
PROM_LINE = re.compile(r"^(order_node_\w+)(\{[^}]*\})? (\S+)$")
# The banner a terminal prints before its first prompt; a pipe does not.
TERMINAL_ONLY = ("order-node: type 'help' for commands, 'quit' or Ctrl-D to "
                 "leave",)
PROMPT = "order-node> "
BINARY_WORD = re.compile(
    r"(?<![\w./-])(?:build/release/)?order-node(?![\w.-])")
# Lines that look like commands: in an unmarked block they need `$ `.
COMMAND_LIKE = re.compile(
    r"^(order-node |build/release/order-node|curl |printf |echo |bash |"
    r"openssl |cmake )")

COMMAND_TIMEOUT = 120.0  # one command (the bench takes ~3 s)
START_TIMEOUT = 15.0  # a node printing its listening line
OUTPUT_TIMEOUT = 15.0  # a line of the cluster front
TOTAL_BUDGET = 270.0  # under CTest's TIMEOUT 300
HUMAN_PAUSE = 1.0  # before each line typed at the cluster front

ANY = "\u0000any"  # `[...]` in an expected JSON line
MORE = "\u0000more"  # `,...}`


# --- the small curl ----------------------------------------------------------

def curl_main(args):
    """curl's subset the docs use: -X, -H, -d, -i, -s, one URL."""
    method, headers, data, include, url = None, [], None, False, None
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-X":
            method = args[i + 1]
            i += 1
        elif a == "-H":
            name, _, value = args[i + 1].partition(":")
            headers.append((name.strip(), value.strip()))
            i += 1
        elif a in ("-d", "--data", "--data-raw"):
            data = args[i + 1]
            i += 1
        elif a == "-i":
            include = True
        elif a == "-s":
            pass
        elif a.startswith("-"):
            print("check_docs --curl: unsupported option " + a,
                  file=sys.stderr)
            return 2
        else:
            url = a
        i += 1
    parts = urllib.parse.urlsplit(url)
    if parts.hostname != "127.0.0.1":
        print("check_docs --curl: only 127.0.0.1, got " + url,
              file=sys.stderr)
        return 2
    if method is None:
        method = "POST" if data is not None else "GET"
    if data is not None and not any(n.lower() == "content-type"
                                    for n, _ in headers):
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    path = parts.path + ("?" + parts.query if parts.query else "")
    try:
        conn = http.client.HTTPConnection(parts.hostname, parts.port,
                                          timeout=30)
        conn.putrequest(method, path)
        body = data.encode() if data is not None else None
        for n, v in headers:
            conn.putheader(n, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        payload = resp.read()
    except OSError as e:
        print("check_docs --curl: " + str(e), file=sys.stderr)
        return 7
    out = sys.stdout.buffer
    if include:
        version = "HTTP/1.1" if resp.version == 11 else "HTTP/1.0"
        out.write(f"{version} {resp.status} {resp.reason}\r\n".encode())
        for n, v in resp.getheaders():
            out.write(f"{n}: {v}\r\n".encode())
        out.write(b"\r\n")
    out.write(payload)
    out.flush()
    return 0


# --- reading the docs --------------------------------------------------------

class Block:
    def __init__(self, doc, start, marker, lines):
        self.doc = doc  # file name, relative to the root
        self.start = start  # line number of the opening fence
        self.marker = marker  # None, "skip", "cluster"
        self.lines = lines  # [(line number, text)]

    def has_commands(self):
        return any(t.startswith("$ ") for _, t in self.lines)


def read_blocks(root, doc, problems):
    with open(os.path.join(root, doc), encoding="utf-8") as f:
        text = f.read().split("\n")
    blocks, i = [], 0
    while i < len(text):
        line = text[i]
        m = MARKER.match(line.strip())
        if m and not (i + 1 < len(text) and text[i + 1].startswith("```")):
            problems.append(f"{doc}:{i + 1}: a docs-test marker must be on "
                            "the line right before a block's opening fence")
        if line.startswith("```"):
            start = i + 1
            prev = MARKER.match(text[i - 1].strip()) if i > 0 else None
            marker = prev.group(1) if prev else None
            if marker is not None and marker not in KNOWN_MARKERS:
                known = ", ".join(KNOWN_MARKERS)
                problems.append(f"{doc}:{i}: unknown docs-test marker "
                                f"'{marker}' (known: {known})")
            body = []
            i += 1
            while i < len(text) and not text[i].startswith("```"):
                body.append((i + 1, text[i]))
                i += 1
            blocks.append(Block(doc, start, marker, body))
        i += 1
    return blocks


class Step:
    """One `$ ` command and the lines the doc shows after it."""

    def __init__(self, lineno, command, expected):
        self.lineno = lineno
        self.command = command
        self.expected = expected  # [(line number, text)]


def steps_of(block, problems):
    steps, cur = [], None
    lines = block.lines
    i = 0
    while i < len(lines):
        n, t = lines[i]
        if t.startswith("$ "):
            cmd = t[2:]
            while cmd.endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd = cmd[:-1].rstrip() + " " + lines[i][1].strip()
            cur = Step(n, cmd, [])
            steps.append(cur)
        elif cur is not None:
            cur.expected.append((n, t))
        elif t.strip():
            problems.append(f"{block.doc}:{n}: a line before the block's "
                            f"first `$ ` command: {t}")
        i += 1
    for s in steps:  # blank lines between commands are layout
        while s.expected and not s.expected[-1][1].strip():
            s.expected.pop()
    return steps


# --- comparing ---------------------------------------------------------------

# Milliseconds: within +-max(TOLERANCE_MS, TOLERANCE_REL * expected): the
# first order of a fresh node is a few ms slower (cold memory), and a busy
# machine (CTest -j2) adds more. A sanitizer build (or CHECK_DOCS_SLOW=1) is
# slower still: its milliseconds are not compared, blocks marked `timing`
# are skipped, and the bench's counts only need the same total (its orders
# may time out).
TOLERANCE_MS, TOLERANCE_REL = 10.0, 0.10
SLOW = False


def set_slow():
    global TOLERANCE_MS, TOLERANCE_REL, SLOW
    TOLERANCE_MS, TOLERANCE_REL, SLOW = 50.0, 0.5, True


def tolerance():
    return f"+-max({TOLERANCE_MS:g} ms, {TOLERANCE_REL * 100:g} %)"


def loose_ok(e, a):
    # A sanitizer build measures the sanitizer: its milliseconds say nothing.
    return SLOW or abs(a - e) <= max(TOLERANCE_MS, TOLERANCE_REL * abs(e))


def sanitized(binary):
    """True when the binary was built with ASan or TSan."""
    import mmap
    with open(binary, "rb") as f, \
            mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        return m.find(b"__asan_init") >= 0 or m.find(b"__tsan_init") >= 0


def is_ms_key(k):
    return k in ("processingTimeMs", "ms", "startMs") or k.endswith("_ms")


def ignored(path):
    k = path[-1] if path else None
    if k == "uptimeSeconds":
        return True
    if path and path[0] == "bench":
        return (k in ("seconds", "orders_per_s") or is_ms_key(str(k))
                or path[-2:] == ("steady", "orders"))
    return False


def parse_expected_json(text):
    t = re.sub(r"\[\.\.\.[^\[\]]*\]", lambda _: json.dumps(ANY), text)
    t = re.sub(r",\s*\.\.\.\s*\}",
               lambda _: "," + json.dumps(MORE) + ":true}", t)
    return json.loads(t)


def show_path(path):
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + p
    return out or "(top)"


def compare_json(e, a, path=()):
    """None when a matches e, else the first difference."""
    if e == ANY or ignored(path):
        return None
    where = show_path(path)
    if isinstance(e, dict):
        if not isinstance(a, dict):
            return f"{where}: expected an object, got {json.dumps(a)}"
        if SLOW and path == ("bench", "counts"):
            if sum(a.values()) == sum(e.values()):
                return None
            return f"{where}: expected {sum(e.values())} orders in all"
        keys = [k for k in e if k != MORE]
        got = list(a)
        if path and path[-1] == "counts":  # per status, in first-seen order
            keys, got = sorted(keys), sorted(got)
        if MORE in e:
            if got[:len(keys)] != keys:
                return (f"{where}: expected the fields {keys} first, got "
                        f"{got}")
        elif got != keys:
            return f"{where}: expected the fields {keys}, got {got}"
        for k in keys:
            r = compare_json(e[k], a[k], path + (k,))
            if r:
                return r
        return None
    if isinstance(e, list):
        if not isinstance(a, list):
            return f"{where}: expected an array, got {json.dumps(a)}"
        if len(e) != len(a):
            return f"{where}: expected {len(e)} elements, got {len(a)}"
        # `calls` come in completion order, `stats.orders` in the order the
        # desk's shards answer: multisets
        if path and (path[-1] == "calls" or path == ("stats", "orders")):
            key = (lambda c: json.dumps({k: v for k, v in c.items()
                                         if k not in ("ms", "startMs")},
                                        sort_keys=True)
                   if isinstance(c, dict) else json.dumps(c))
            e, a = sorted(e, key=key), sorted(a, key=key)
        for i, (x, y) in enumerate(zip(e, a)):
            r = compare_json(x, y, path + (i,))
            if r:
                return r
        return None
    if (path and isinstance(path[-1], str) and is_ms_key(path[-1])
            and isinstance(e, (int, float)) and not isinstance(e, bool)):
        if (isinstance(a, (int, float)) and not isinstance(a, bool)
                and loose_ok(e, a)):
            return None
        return (f"{where}: expected {json.dumps(e)} {tolerance()}, got "
                f"{json.dumps(a)}")
    if type(e) is not type(a) or e != a:
        return f"{where}: expected {json.dumps(e)}, got {json.dumps(a)}"
    return None


def match_line(exp, act):
    """None when the actual line matches the doc's line, else why not."""
    if exp.startswith("{"):
        try:
            e = parse_expected_json(exp)
        except ValueError as x:
            return f"the doc's line is not JSON (after elisions): {x}"
        try:
            a = json.loads(act)
        except ValueError:
            return "not a JSON line"
        return compare_json(e, a)
    m = HUMAN_RESULT.match(exp)
    if m:
        try:
            a = json.loads(act)
            got = (a["orderId"], a["status"], a["processingTimeMs"],
                   a["details"])
        except (ValueError, KeyError, TypeError):
            g = HUMAN_RESULT.match(act)
            if not g:
                return "not a result line"
            got = (g.group(1), g.group(2), int(g.group(3)), g.group(4))
        want = (m.group(1), m.group(2), int(m.group(3)), m.group(4))
        if (got[0], got[1], got[3]) != (want[0], want[1], want[3]):
            return f"expected {want}, got {got}"
        if not loose_ok(want[2], got[2]):
            return (f"processing time {got[2]} ms, not {want[2]} "
                    f"{tolerance()}")
        return None
    m = PROM_LINE.match(exp)
    if m:
        g = PROM_LINE.match(act)
        if not g or g.group(1, 2) != m.group(1, 2):
            return "another metric"
        name = m.group(1)
        if name == "order_node_uptime_seconds":
            return None
        try:
            e, a = float(m.group(3)), float(g.group(3))
        except ValueError:
            return None if m.group(3) == g.group(3) else "another value"
        if name.endswith("_seconds_sum"):
            return None if loose_ok(e * 1000, a * 1000) else \
                f"seconds differ by more than {tolerance()}"
        return None if e == a else "another value"
    return None if exp == act else "differs"


def compare_output(doc, expected, actual, where):
    """Mismatch messages for the doc's lines against the actual lines."""
    out = []

    def report(lineno, exp, act, why):
        out.append(f"{doc}:{lineno}: {where}\n"
                   f"  expected: {exp}\n"
                   f"       got: {act}\n"
                   f"       why: {why}")

    if not any(t.strip() == "..." for _, t in expected):
        if expected and all(PROM_LINE.match(t) for _, t in expected):
            # the series of a metric come in no fixed order: as a set
            def series(t):
                m = PROM_LINE.match(t)
                return (m.group(1), m.group(2) or "") if m else (t, "")
            expected = sorted(expected, key=lambda x: series(x[1]))
            actual = sorted(actual, key=series)
        for k in range(max(len(expected), len(actual))):
            if k >= len(expected):
                n = expected[-1][0] if expected else 0
                report(n, "(nothing more)", actual[k], "an extra line")
            elif k >= len(actual):
                report(expected[k][0], expected[k][1], "(nothing)",
                       "a missing line")
            else:
                why = match_line(expected[k][1], actual[k])
                if why:
                    report(expected[k][0], expected[k][1], actual[k], why)
        return out
    # Segments between `...` lines must appear in order; the first at the
    # start, the last at the end (unless a `...` is there).
    segs, seg = [], []
    for n, t in expected:
        if t.strip() == "...":
            segs.append(seg)
            seg = []
        else:
            seg.append((n, t))
    segs.append(seg)
    pos = 0
    for si, seg in enumerate(segs):
        if not seg:
            continue
        first, last = si == 0, si == len(segs) - 1
        starts = ([0] if first else
                  [len(actual) - len(seg)] if last else
                  range(pos, len(actual) - len(seg) + 1))
        found = None
        for s in starts:
            if s < pos or s + len(seg) > len(actual):
                continue
            if all(match_line(t, actual[s + j]) is None
                   for j, (_, t) in enumerate(seg)):
                found = s
                break
        if found is None:
            n, t = seg[0]
            report(n, t, "\n            ".join(actual[pos:]) or "(nothing)",
                   f"these {len(seg)} lines were not found in order "
                   "(`...` stands for any lines)")
            return out
        pos = found + len(seg)
    return out


def apply_subst(text, subst):
    """Replaces each `a` of the (a, b) pairs by its `b`, in one pass."""
    if not subst:
        return text
    table = dict(subst)
    return re.sub("|".join(re.escape(a) for a in table),
                  lambda m: table[m.group(0)], text)


def log_match(t):
    """A documented log line; in a terminal one may follow the prompt."""
    return LOG_LINE.match(t[len(PROMPT):] if t.startswith(PROMPT) else t)


def normalise_log(text, subst):
    """Ports replaced; a process id and an order's durationMs: any."""
    text = re.sub(r"process \d+", "process N", apply_subst(text, subst))
    return re.sub(r"durationMs=\d+", "durationMs=N", text)


def check_logs(doc, expected, stderr_text, subst, where):
    """Each documented log line's `level text` must appear in stderr."""
    have = set()
    for line in stderr_text.splitlines():
        m = LOG_LINE.match(line)
        if m:
            have.add(normalise_log(m.group(1) + " " + m.group(2), []))
    out = []
    for n, t in expected:
        m = log_match(t)
        if not m:
            continue
        want = normalise_log(m.group(1) + " " + m.group(2), subst)
        if want not in have:
            out.append(f"{doc}:{n}: {where}\n"
                       f"  expected on stderr: {want}\n"
                       f"       stderr was: "
                       + "\n                   ".join(
                           stderr_text.splitlines() or ["(empty)"]))
    return out


# --- processes ---------------------------------------------------------------

def _die_with_parent():
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PDEATHSIG
    except Exception:  # not Linux: the timeouts and the cleanup still hold
        pass


class Runner:
    def __init__(self, binary, root, tmp):
        self.binary = binary
        self.root = root
        self.tmp = tmp
        self.procs = []  # every background process, killed at the end
        self.deadline = time.monotonic() + TOTAL_BUDGET
        self.env = dict(os.environ, HOME=tmp, LC_ALL="C.UTF-8")
        self.files = 0

    def left(self, bound):
        rest = self.deadline - time.monotonic()
        if rest <= 0:
            raise TimeoutError(f"the whole run took more than "
                               f"{TOTAL_BUDGET:.0f} s")
        return min(bound, rest)

    def substitute(self, command):
        return BINARY_WORD.sub(shlex.quote(self.binary), command)

    def new_file(self, stem):
        self.files += 1
        return os.path.join(self.tmp, f"{self.files:03d}-{stem}")

    def spawn(self, argv, stdin=subprocess.DEVNULL, stdout=None):
        err = self.new_file("stderr")
        errf = open(err, "wb")
        if stdout is None:
            stdout = open(self.new_file("stdout"), "wb")
        p = subprocess.Popen(argv, cwd=self.tmp, env=self.env, stdin=stdin,
                             stdout=stdout, stderr=errf,
                             start_new_session=True,
                             preexec_fn=_die_with_parent)
        errf.close()
        if stdout not in (subprocess.PIPE, subprocess.DEVNULL):
            stdout.close()
        p.stderr_path = err
        self.procs.append(p)
        return p

    def stderr_of(self, p):
        with open(p.stderr_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_for_log(self, p, pattern, what):
        end = time.monotonic() + self.left(START_TIMEOUT)
        while time.monotonic() < end:
            m = re.search(pattern, self.stderr_of(p))
            if m:
                return m
            if p.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"{what}: no line matching '{pattern}' within "
                           f"{START_TIMEOUT:.0f} s (exit status "
                           f"{p.poll()}); stderr:\n{self.stderr_of(p)}")

    def stop(self, p, grace=10.0):
        """SIGTERM (the node drains), SIGKILL after `grace` seconds."""
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=grace)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        for f in (p.stdin, p.stdout):
            if f:
                try:
                    f.close()
                except OSError:
                    pass

    def fresh_start(self):
        """Removes the journal and the payment ledger a command before left
        in the working directory: each documented command runs as a
        reader's first run."""
        for name in ("order-node.journal", "order-node.ledger"):
            for suffix in ("", "-wal", "-shm"):
                path = os.path.join(self.tmp, name + suffix)
                if os.path.exists(path):
                    os.remove(path)

    def stop_all(self):
        for p in self.procs:
            self.stop(p, grace=5.0)
        self.procs = []

    def run_shell(self, command):
        """(stdout, stderr, exit status) of `bash -c command`."""
        p = subprocess.Popen(["bash", "-c", command], cwd=self.tmp,
                             env=self.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True,
                             preexec_fn=_die_with_parent)
        try:
            out, err = p.communicate(timeout=self.left(COMMAND_TIMEOUT))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            err += b"\n(check_docs: killed after the timeout)"
            return out.decode(errors="replace"), err.decode(
                errors="replace"), None
        return (out.decode(errors="replace"), err.decode(errors="replace"),
                p.returncode)


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class LineReader:
    """Lines from a pipe, each awaited with a timeout (no threads)."""

    def __init__(self, f):
        self.fd = f.fileno()
        self.buf = b""
        self.eof = False

    def line(self, timeout):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf and not self.eof:
            rest = end - time.monotonic()
            if rest <= 0:
                return None
            r, _, _ = select.select([self.fd], [], [], rest)
            if r:
                data = os.read(self.fd, 65536)
                if data:
                    self.buf += data
                else:
                    self.eof = True
        if b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
        elif self.buf:
            line, self.buf = self.buf, b""
        else:
            return None
        return line.decode(errors="replace")


# --- the examples ------------------------------------------------------------

def script_lint(step):
    """A script piping into order-node must pass --http=off."""
    cmd = step.command
    if not re.search(r"\|\s*(?:build/release/)?order-node\b", cmd):
        return None
    if "--http=off" in cmd or re.search(r"--role=(client|services)", cmd):
        return None
    return ("a script piping into order-node must pass --http=off (it needs "
            "no port, and another order-node may hold 127.0.0.1:9080)")


class Checker:
    def __init__(self, runner):
        self.r = runner
        self.mismatches = []
        self.commands = 0
        self.blocks_run = 0
        self.skipped = 0
        self.http = None  # the node of the HTTP examples: (proc, port, logs)
        self.cluster = None

    def fail(self, msgs):
        for m in msgs:
            print("MISMATCH " + m, file=sys.stderr)
        self.mismatches += msgs

    # HTTP examples: one node per `&` line, shared by the file's next blocks.
    def start_http_node(self, doc, step):
        self.stop_http_node()
        argv = shlex.split(step.command.rstrip().rstrip("&"))
        if not BINARY_WORD.fullmatch(argv[0]) or any(
                a.startswith("--http") for a in argv[1:]):
            self.fail([f"{doc}:{step.lineno}: a background command must "
                       "start order-node without --http (the test adds "
                       "--http=127.0.0.1:0)"])
            return
        p = self.r.spawn([self.r.binary] + argv[1:] + ["--http=127.0.0.1:0"])
        m = self.r.wait_for_log(p, r"http: listening on 127\.0\.0\.1:(\d+)",
                                f"{doc}:{step.lineno}")
        self.http = (p, int(m.group(1)), [(doc, step)])

    def http_log(self, doc, step):
        """The log lines after a curl are the background node's."""
        self.http[2].append((doc, step))

    def stop_http_node(self):
        if not self.http:
            return
        p, port, steps = self.http
        self.http = None
        self.r.stop(p)
        err = self.r.stderr_of(p)
        for doc, step in steps:
            self.fail(check_logs(doc, step.expected, err,
                                 [("127.0.0.1:9080", f"127.0.0.1:{port}")],
                                 f"log of `{step.command}`"))
        # its stdout is not shown by the docs: nothing to compare

    def run_step(self, doc, step, subst=()):
        self.commands += 1
        lint = script_lint(step)
        if lint:
            self.fail([f"{doc}:{step.lineno}: `{step.command}`: {lint}"])
        command = apply_subst(step.command, subst)
        expected = [(n, apply_subst(t, subst)) for n, t in step.expected]
        is_curl = re.match(r"\s*curl\s", command) is not None
        if not is_curl and not self.http:
            self.r.fresh_start()
        if command.rstrip().endswith("&"):
            self.start_http_node(doc, step)
            return
        if is_curl:
            if not self.http:
                self.fail([f"{doc}:{step.lineno}: `curl` without a node "
                           "started earlier in the file (`$ order-node ... "
                           "&`)"])
                return
            port = self.http[1]
            self.http_log(doc, step)
            command = command.replace("localhost:9080", f"127.0.0.1:{port}")
            command = re.sub(r"^\s*curl\s",
                             shlex.quote(sys.executable) + " "
                             + shlex.quote(os.path.abspath(__file__))
                             + " --curl ", command)
        command = self.r.substitute(command)
        out, err, status = self.r.run_shell(command)
        where = f"`{step.command}`"
        if status is None:
            self.fail([f"{doc}:{step.lineno}: {where} did not end within "
                       f"{COMMAND_TIMEOUT:.0f} s; stderr:\n{err}"])
            return
        shown = [(n, t) for n, t in expected if not log_match(t)]
        got = out.splitlines()
        msgs = compare_output(doc, shown, got, where)
        if msgs and err.strip():
            msgs[-1] += "\n    stderr: " + "\n            ".join(
                err.splitlines()[-10:])
        self.fail(msgs)
        if not is_curl:  # a curl's log lines are checked with its node's
            self.fail(check_logs(doc, expected, err, [], where))

    def run_block(self, block):
        self.blocks_run += 1
        problems = []
        steps = steps_of(block, problems)
        self.fail(problems)
        for step in steps:
            self.run_step(block.doc, step)

    # The cluster walkthrough.
    def run_cluster_block(self, block):
        """Services nodes (`--role=services`) start in the background; the
        front (`--role=front`) reads the `order-node> ` lines the doc shows
        from a pipe, one at a time after the previous output, and each
        output line is compared (a terminal's result line with the JSON
        result's fields; the banner only a terminal prints is not
        expected). Other commands run as usual while the cluster is up.
        Every `127.0.0.1:PORT` of the file's cluster blocks is replaced by a
        free port; the front gets --http=127.0.0.1:0. The nodes stop at the
        end of the file; then their documented log lines are checked."""
        self.blocks_run += 1
        c = self.cluster
        doc = block.doc
        problems = []
        steps = steps_of(block, problems)
        self.fail(problems)
        for step in steps:
            command = apply_subst(step.command, c["subst"])
            expected = [(n, apply_subst(t, c["subst"]))
                        for n, t in step.expected]
            role = re.search(r"--role=(\w+)", command)
            role = role.group(1) if role else None
            if role not in ("services", "front"):
                self.run_step(doc, step, c["subst"])
                continue
            self.commands += 1
            argv = shlex.split(command)
            if not BINARY_WORD.fullmatch(argv[0]):
                self.fail([f"{doc}:{step.lineno}: expected an order-node "
                           "command"])
                continue
            argv = [self.r.binary] + argv[1:]
            if role == "services":
                p = self.r.spawn(argv)
                self.r.wait_for_log(p, r"order-node started",
                                    f"{doc}:{step.lineno}")
                c["procs"].append((p, step, expected, []))
                continue
            p = self.r.spawn(argv + ["--http=127.0.0.1:0"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            m = self.r.wait_for_log(
                p, r"http: listening on 127\.0\.0\.1:(\d+)",
                f"{doc}:{step.lineno}")
            c["procs"].append((p, step, expected,
                               [("127.0.0.1:9080",
                                 f"127.0.0.1:{m.group(1)}")]))
            self.drive_front(doc, p, expected, step.command, c["subst"])

    def drive_front(self, doc, p, expected, command, subst):
        reader = LineReader(p.stdout)
        session = [(n, t) for n, t in expected
                   if not log_match(t) and t not in TERMINAL_ONLY]
        k = 0
        while k < len(session):
            n, t = session[k]
            if not t.startswith(PROMPT):
                self.fail([f"{doc}:{n}: output before any `{PROMPT}` line: "
                           f"{t}"])
                return
            typed = t[len(PROMPT):]
            k += 1
            shown = []
            while k < len(session) and not session[k][1].startswith(PROMPT):
                shown.append(session[k])
                k += 1
            time.sleep(HUMAN_PAUSE)  # a person types the next line
            p.stdin.write((typed + "\n").encode())
            p.stdin.flush()
            got = []
            for _ in shown:
                line = reader.line(self.r.left(OUTPUT_TIMEOUT))
                if line is None:
                    break
                got.append(line)
            ports = ", ".join(f"{a} -> {b}" for a, b in subst)
            where = (f"the front of `{command}`, after `{typed}` (ports "
                     f"replaced: {ports})")
            self.fail(compare_output(doc, shown, got, where))
        # nothing else may arrive unasked
        extra = reader.line(0.3)
        if extra is not None:
            self.fail([f"{doc}: the front of `{command}` printed a line the "
                       f"doc does not show: {extra}"])

    def start_cluster_file(self, blocks):
        ports = set()
        for b in blocks:
            for _, t in b.lines:
                ports.update(re.findall(r"127\.0\.0\.1:(\d+)", t))
        ports.discard("9080")
        ports = sorted(ports)
        fresh = free_ports(len(ports))
        subst = [(f"127.0.0.1:{a}", f"127.0.0.1:{b}")
                 for a, b in zip(ports, fresh)]
        self.cluster = {"subst": subst, "procs": []}
        self.r.fresh_start()

    def stop_cluster(self, doc):
        c = self.cluster
        if not c:
            return
        self.cluster = None
        procs = c["procs"]
        # The front first (end of input: it drains and exits), then the
        # services nodes (SIGTERM).
        for p, _, _, _ in reversed(procs):
            if p.stdin:
                try:
                    p.stdin.close()
                except OSError:
                    pass
                p.stdin = None
                try:
                    p.wait(timeout=self.r.left(10.0))
                except subprocess.TimeoutExpired:
                    pass
            self.r.stop(p)
        for p, step, expected, subst in procs:
            self.fail(check_logs(doc, expected, self.r.stderr_of(p),
                                 subst, f"log of `{step.command}`"))

    def run_file(self, root, doc):
        problems = []
        blocks = read_blocks(root, doc, problems)
        self.fail(problems)
        cluster_blocks = [b for b in blocks if b.marker == "cluster"]
        if cluster_blocks:
            self.start_cluster_file(cluster_blocks)
        try:
            for b in blocks:
                if b.marker == "skip" or (b.marker == "timing" and SLOW):
                    self.skipped += 1
                    continue
                if not b.has_commands():
                    bad = [(n, t) for n, t in b.lines
                           if COMMAND_LIKE.match(t)]
                    if bad:
                        n, t = bad[0]
                        self.fail([f"{doc}:{n}: a command without `$ ` in an "
                                   "unmarked block: show it as `$ command` "
                                   "with its output, or mark the block "
                                   "<!-- docs-test: skip -->: " + t])
                    continue
                print(f"-- {doc}:{b.start}", file=sys.stderr)
                if b.marker == "cluster":
                    self.run_cluster_block(b)
                else:
                    self.run_block(b)
        finally:
            self.stop_http_node()
            self.stop_cluster(doc)


def main(argv):
    if len(argv) >= 2 and argv[1] == "--curl":
        return curl_main(argv[2:])
    if len(argv) != 3:
        print("usage: check_docs.py ORDER_NODE_BINARY REPO_ROOT",
              file=sys.stderr)
        return 2
    binary, root = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    if not os.access(binary, os.X_OK):
        print(f"check_docs: {binary} is not an executable", file=sys.stderr)
        return 2

    def on_signal(signo, _frame):
        raise SystemExit(128 + signo)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if os.environ.get("CHECK_DOCS_SLOW") == "1" or sanitized(binary):
        set_slow()
        print("check_docs: a sanitizer build: milliseconds not compared, "
              "blocks marked timing skipped", file=sys.stderr)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="check_docs.") as tmp:
        runner = Runner(binary, root, tmp)
        checker = Checker(runner)
        try:
            for doc in DOCS:
                try:
                    checker.run_file(root, doc)
                except RuntimeError as e:  # a node did not start
                    checker.fail([str(e)])
        except TimeoutError as e:
            checker.fail([str(e)])
        finally:
            runner.stop_all()
    took = time.monotonic() - began
    print(f"check_docs: ran {checker.commands} commands in "
          f"{checker.blocks_run} blocks, skipped {checker.skipped} blocks "
          "(marked docs-test: skip, or timing in a sanitizer build), "
          f"{len(checker.mismatches)} mismatches, "
          f"{took:.1f} s")
    return 1 if checker.mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
