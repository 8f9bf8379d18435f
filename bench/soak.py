#!/usr/bin/env python3
"""Soak and overload (issue #16): bench/run --only=soak.

Runs one order-node (Release, the default engine, its journal on, the
tutorial's latencies) for SECONDS (600 by default; --quick: 60) with three
times --desk.max-in-flight offered at once, over HTTP and the REPL together:

  - HTTP: 2 x MAX keep-alive clients (asyncio, one connection each), each
    sending a request, reading its answer, and sending the next; after a 503
    it waits what Retry-After says, as a client should;
  - REPL: one writer keeping MAX orders outstanding on the node's stdin,
    reading one line of stdout per line it sent;
  - 10 % of the requests malformed: bad JSON, a bad field, a body over the
    limit, a wrong content type, an unknown route, a bad idempotency key,
    and slow-loris connections (headers sent a byte at a time, never ended,
    until the node's idle timeout cuts them); on the REPL, bad lines.

Checks: every request got an answer (2xx, 4xx, or 503 with Retry-After;
a slow-loris connection is closed by the node), the counts add up to what
was sent, every error or warning line in the node's log is one this run
explains, and RSS after the warm-up (the first 10 % of the run) grows by
less than 10 %. RSS is sampled every second into the result and plotted
(docs/img/soak-rss.png).

Python's standard library only.
"""
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time

BODY = ('{"userId":"user123","productId":"prod456","quantity":2,'
        '"amount":99.99,"weight":5.5,"destination":"New York"}')
ROUTES = ["/OrderService/ProcessOrder", "/OrderServiceSlow/ProcessOrder"]
REPL_GOOD = ('order userId=user123 productId=prod456 quantity=2 amount=99.99 '
             'weight=5.5 destination="New York"')
REPL_BAD = ["order userId=u quantity=-3", "fly me", "order {\"userId\":",
            "bench orders=0", "get", "order " + "x" * 300]
# Log lines that this run causes on purpose and that are not errors of the
# node (matched against the line after its level).
EXPLAINED = []


def request(path, body, headers=()):
    head = [f"POST {path} HTTP/1.1", "Host: localhost",
            f"Content-Length: {len(body)}"] + list(headers)
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def good_request(rnd):
    route = rnd.choice(ROUTES)
    return request(route, BODY.encode(), ["Content-Type: application/json"])


def bad_request(rnd, max_body):
    kind = rnd.choice(["json", "field", "oversized", "type", "route", "key",
                       "loris"])
    ct = "Content-Type: application/json"
    if kind == "json":
        return kind, request(ROUTES[0], b'{"userId":', [ct])
    if kind == "field":
        return kind, request(ROUTES[0], BODY.replace('"quantity":2',
                                                     '"quantity":-1').encode(),
                             [ct])
    if kind == "oversized":
        return kind, request(ROUTES[0], b"x" * (max_body + 1), [ct])
    if kind == "type":
        return kind, request(ROUTES[0], BODY.encode(),
                             ["Content-Type: text/plain"])
    if kind == "route":
        return kind, request("/OrderService/Nope", BODY.encode(), [ct])
    if kind == "key":
        return kind, request(ROUTES[0], BODY.encode(),
                             [ct, "Idempotency-Key: has space"])
    return kind, None  # slow-loris


async def read_response(reader):
    """Status, headers (lower-case names) and body of one response."""
    line = await reader.readline()
    if not line:
        return None
    status = int(line.split()[1])
    headers = {}
    while True:
        h = await reader.readline()
        if h in (b"\r\n", b""):
            break
        k, _, v = h.decode().partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    body = await reader.readexactly(n) if n else b""
    return status, headers, body


class Counts:
    def __init__(self):
        self.sent = {}       # kind -> requests sent
        self.answers = {}    # "kind status" -> count
        self.problems = []   # what broke the rules
        self.retry_after_missing = 0

    def send(self, kind):
        self.sent[kind] = self.sent.get(kind, 0) + 1

    def answer(self, kind, status):
        key = f"{kind} {status}"
        self.answers[key] = self.answers.get(key, 0) + 1

    def problem(self, text):
        if len(self.problems) < 50:
            self.problems.append(text)


async def http_client(port, until, rnd, counts, max_body, idle_s):
    expected = {"json": 400, "field": 400, "oversized": 413, "type": 415,
                "route": 404, "key": 400}
    reader = writer = None
    while time.time() < until:
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1",
                                                               port)
            except OSError as e:
                counts.problem(f"connect: {e}")
                await asyncio.sleep(0.5)
                continue
        malformed = rnd.random() < 0.10
        kind, raw = bad_request(rnd, max_body) if malformed else ("good",
                                                                 good_request(rnd))
        counts.send(kind)
        if raw is None:
            # Slow-loris: a byte at a time, never the end of the headers;
            # the node must cut it at its idle timeout (it answers nothing).
            head = b"POST /OrderService/ProcessOrder HTTP/1.1\r\nHost: x\r\n"
            t0 = time.time()
            try:
                for b in head:
                    writer.write(bytes([b]))
                    await writer.drain()
                    await asyncio.sleep(0.05)
                data = await asyncio.wait_for(reader.read(1), idle_s + 5)
                ok = data == b""
            except asyncio.TimeoutError:
                ok = False  # still open: the node did not cut it
            except OSError:  # reset while writing: cut
                ok = True
            waited = time.time() - t0
            counts.answer("loris", "closed" if ok else "open")
            if not ok:
                counts.problem(f"slow-loris connection not closed after "
                               f"{waited:.1f} s")
            writer.close()
            writer = None
            continue
        try:
            writer.write(raw)
            await writer.drain()
            r = await asyncio.wait_for(read_response(reader), 30)
        except (ConnectionError, asyncio.TimeoutError, OSError) as e:
            counts.answer(kind, "none")
            counts.problem(f"{kind}: no answer ({type(e).__name__})")
            writer.close()
            writer = None
            continue
        if r is None:
            counts.answer(kind, "none")
            counts.problem(f"{kind}: connection closed without an answer")
            writer = None
            continue
        status, headers, body = r
        counts.answer(kind, status)
        if kind == "good":
            if status == 503:
                if "retry-after" not in headers:
                    counts.retry_after_missing += 1
                await asyncio.sleep(float(headers.get("retry-after", "1")))
            elif status != 200:
                counts.problem(f"good: {status} {body[:120]!r}")
        elif status != expected[kind] and status != 503:
            counts.problem(f"{kind}: {status} (expected {expected[kind]})")
        if headers.get("connection", "").lower() == "close":
            writer.close()
            writer = None


def repl_driver(proc, until, outstanding, counts, rnd):
    """Keeps `outstanding` lines in flight on the REPL; one stdout line per
    input line (results, errors; overloaded orders too). A line answered
    `overloaded` keeps its slot for a second, as an HTTP client waits out
    Retry-After: otherwise the REPL would resend at once, in a loop."""
    lock = threading.Condition()
    state = {"in_flight": 0, "done": False, "cooling": []}

    def reader():
        for line in proc.stdout:
            try:
                j = json.loads(line)
            except ValueError:
                counts.problem(f"repl: not JSON: {line[:100]!r}")
                continue
            overloaded = j.get("status") == "overloaded"
            if "error" in j:
                counts.answer("repl", "error")
            elif "status" in j:
                counts.answer("repl", j["status"])
            else:
                counts.answer("repl", "other")
            with lock:
                state["in_flight"] -= 1
                if overloaded:
                    state["cooling"].append(time.time() + 1.0)
                lock.notify()
        with lock:
            state["done"] = True
            lock.notify()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    n = 0
    while time.time() < until:
        with lock:
            while not state["done"]:
                now = time.time()
                state["cooling"] = [t for t in state["cooling"] if t > now]
                if state["in_flight"] + len(state["cooling"]) < outstanding:
                    break
                lock.wait(0.05)
            if state["done"]:
                break
            state["in_flight"] += 1
        n += 1
        if rnd.random() < 0.10:
            line = rnd.choice(REPL_BAD)
            counts.send("repl-bad")
        else:
            line = REPL_GOOD + f" key=soak-{n}" if rnd.random() < 0.5 \
                else REPL_GOOD
            counts.send("repl-good")
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
    # Wait for the answers of what was sent.
    deadline = time.time() + 30
    with lock:
        while state["in_flight"] > 0 and time.time() < deadline:
            lock.wait(0.5)
    return t


def rss_kib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def soak(binary, seconds, max_in_flight, log=print):
    tmp = tempfile.mkdtemp(prefix="order-node-soak-")
    idle_s = 2
    max_body = 65536
    port_file = os.path.join(tmp, "err.log")
    err = open(port_file, "w")
    argv = [binary, "--http=127.0.0.1:0", "--seed=1",
            f"--desk.max-in-flight={max_in_flight}",
            f"--ingress.idle-timeout={idle_s}s",
            "--journal=" + os.path.join(tmp, "soak.journal")]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=err, text=True,
                            bufsize=1, cwd=tmp)
    port = None
    for _ in range(200):
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(port_file).read())
        if m:
            port = int(m.group(1))
            break
        time.sleep(0.05)
    if port is None:
        proc.kill()
        raise RuntimeError("order-node did not start: " + open(port_file).read())
    log(f"soak: {' '.join(argv)} on port {port}, {seconds} s, "
        f"{2 * max_in_flight} HTTP clients + {max_in_flight} REPL lines "
        f"outstanding (3x --desk.max-in-flight)")
    counts = Counts()
    start = time.time()
    until = start + seconds
    rss = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            rss.append((round(time.time() - start, 1), rss_kib(proc.pid)))
            stop.wait(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rnd = random.Random(1)
    repl_thread = threading.Thread(
        target=repl_driver, args=(proc, until, max_in_flight, counts,
                                  random.Random(2)))
    repl_thread.start()

    async def clients():
        tasks = [http_client(port, until, random.Random(i), counts, max_body,
                             idle_s)
                 for i in range(2 * max_in_flight)]
        await asyncio.gather(*tasks)

    asyncio.run(clients())
    repl_thread.join()
    stop.set()
    sampler.join()
    proc.stdin.close()
    try:
        rc = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "killed"
    err.close()
    elapsed = time.time() - start
    # The log: every warning or error must be explained.
    levels = {}
    unexplained = []
    for line in open(port_file):
        m = re.match(r"\S+ (\w+) (.*)", line)
        if not m:
            continue
        levels[m.group(1)] = levels.get(m.group(1), 0) + 1
        if m.group(1) in ("warning", "warn", "error", "critical"):
            if not any(re.search(p, m.group(2)) for p in EXPLAINED):
                unexplained.append(line.strip())
    # RSS growth after the warm-up (the first 10 % of the run).
    warm = [kib for t, kib in rss if t >= seconds * 0.1 and kib > 0]
    growth = (max(warm) / warm[0] - 1) * 100 if warm else None
    answered = sum(counts.answers.values())
    sent = sum(counts.sent.values())
    none = sum(v for k, v in counts.answers.items() if k.endswith(" none"))
    good_http = {k: v for k, v in counts.answers.items()
                 if k.startswith("good ")}
    result = {
        "scenario": "soak",
        "command": " ".join(argv),
        "seconds": round(elapsed, 1),
        "max_in_flight": max_in_flight,
        "http_clients": 2 * max_in_flight,
        "repl_outstanding": max_in_flight,
        "sent": counts.sent,
        "answers": counts.answers,
        "sent_total": sent,
        "answered_total": answered,
        "unanswered": none,
        "retry_after_missing": counts.retry_after_missing,
        "problems": counts.problems,
        "log_levels": levels,
        "log_unexplained": unexplained[:20],
        "exit_status": rc,
        "rss_kib": rss,
        "rss_after_warmup_growth_pct": round(growth, 2) if growth is not None
        else None,
        "http_good_per_s": round(sum(good_http.values()) / elapsed, 1),
    }
    # A script with bad lines (or overloaded orders) exits 1 (docs/repl.md):
    # this one has both.
    ok = (answered == sent and none == 0 and not counts.problems
          and counts.retry_after_missing == 0 and not unexplained
          and rc == 1 and growth is not None and growth < 10)
    result["passed"] = ok
    return result


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--max-in-flight", type=int, default=300)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    r = soak(args.binary, args.seconds, args.max_in_flight,
             log=lambda m: print(m, file=sys.stderr, flush=True))
    text = json.dumps(r, indent=1)
    if args.out:
        open(args.out, "w").write(text)
    summary = {k: v for k, v in r.items() if k != "rss_kib"}
    print(json.dumps(summary, indent=1))
    sys.exit(0 if r["passed"] else 1)


if __name__ == "__main__":
    main()
