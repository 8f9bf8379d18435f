#!/usr/bin/env python3
"""The benchmark harness behind bench/run (see docs/performance.md).

Runs order-node's closed-loop REPL `bench` (and wrk against the HTTP ingress,
and a small cluster on 127.0.0.1) in the scenarios of issue #6 (with
`--engine=batched`, the engine those targets were set for; every result says
which engine it ran) and the two engines side by side with the bare-CAF peer
(scenario `engines`, issue #14), prints
progress on stderr, writes bench/results/latest.json (every figure with the
command that produced it and the machine), and regenerates the generated part
of docs/performance.md and the plots under docs/img/.

Python's standard library only (python3 from Debian); plots with gnuplot.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "release", "order-node")
# --baseline=PATH: another order-node (an older build) that scenario
# `engines` runs beside BIN, case by case, so that a redesign is compared
# with what it replaced in one run (issue #26).
BASELINE = None
RESULTS = os.path.join(ROOT, "bench", "results", "latest.json")
DOC = os.path.join(ROOT, "docs", "performance.md")
IMG = os.path.join(ROOT, "docs", "img")
BEGIN = "<!-- bench/run: begin (generated, do not edit by hand) -->"
END = "<!-- bench/run: end -->"


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr,
          flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, text=True,
                          capture_output=True, **kw).stdout


def machine():
    def first(cmd):
        try:
            return sh(cmd).strip().splitlines()[0]
        except (subprocess.CalledProcessError, IndexError):
            return "unknown"
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)",
                           open("/proc/meminfo").read()).group(1))
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu.group(1).strip() if cpu else platform.processor(),
        "load_at_start": open("/proc/loadavg").read().split()[:3],
        "kernel": platform.release(),
        "compiler": first("g++ --version"),
        "caf": first("dpkg-query -W -f='${Version}' libcaf-dev"),
        "order_node_commit": first(f"git -C {ROOT} rev-parse --short HEAD"),
        "date_utc": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"),
    }


def build():
    log("building order-node (Release)")
    sh(f"cmake -S {ROOT} -B {ROOT}/build/release -DCMAKE_BUILD_TYPE=Release")
    sh(f"cmake --build {ROOT}/build/release -j2 --target order-node "
       "journal_ceiling")


def timed(argv, stdin_text, timeout):
    """Runs argv under /usr/bin/time; returns (stdout, peak RSS in KB)."""
    # stderr (logs, bench progress) goes to a file, not a pipe we would have
    # to drain: debug logging writes a line per call.
    with tempfile.NamedTemporaryFile("r") as t, \
            tempfile.TemporaryFile("w+") as err:
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name]
                              + argv, input=stdin_text, text=True,
                              stdout=subprocess.PIPE, stderr=err,
                              timeout=timeout)
        rss = int(open(t.name).read().strip().splitlines()[-1])
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{shlex.join(argv)} failed: "
                               f"{err.read()[-500:]}")
    return proc.stdout, rss


# The engine of issue #6's scenarios (its targets were met and missed with
# it); scenario `engines` runs both.
ENGINE = "batched"


def with_engine(opts):
    """`opts` with --engine=ENGINE unless they name an engine."""
    if any(o.startswith("--engine=") for o in opts):
        return opts
    return opts + [f"--engine={ENGINE}"]


def engine_of(argv):
    return next((a.split("=", 1)[1] for a in argv
                 if a.startswith("--engine=")), "actor")


def repl_bench(opts, orders, concurrency, mode="parallel", timeout=900,
               binary=None):
    """One closed-loop `bench` through the REPL; returns a result dict."""
    binary = binary or BIN
    argv = [binary, "--seed=1", "--http=off", "--max-attempts=1",
            "--journal=off"] + with_engine(opts)
    line = f"bench orders={orders} concurrency={concurrency}"
    if mode != "parallel":
        line += f" mode={mode}"
    out, rss = timed(argv, line + "\n", timeout)
    bench = json.loads(out.strip().splitlines()[-1])["bench"]
    cmd = f"echo '{line}' | {shlex.join(argv).replace(BIN, 'build/release/order-node')}"
    engine = engine_of(argv)
    if binary != BIN:
        engine += " (baseline)"
    return {"command": cmd, "rss_kb": rss, "engine": engine, **bench}


def orders_for(concurrency, floor_ms, seconds, minimum):
    """Orders for about `seconds` of closed loop at the latency floor."""
    return max(minimum, int(concurrency / (floor_ms / 1000.0) * seconds))


# Scenario 1: latency against orders in flight.
def latency_floor(quick):
    out = []
    secs = 1.5 if quick else 6
    for mode, floor, levels in (("parallel", 150, [1, 100, 1000, 10000]),
                                ("sequential", 450, [1, 100, 1000])):
        for c in levels:
            if quick and c == 1:
                n = 10 if mode == "parallel" else 4
            else:
                n = orders_for(c, floor, secs, 20)
            log(f"latency floor: {mode}, {c} in flight, {n} orders")
            r = repl_bench(["--log-level=info"], n, c, mode)
            r.update(scenario="latency", mode=mode, in_flight=c)
            out.append(r)
    log("latency floor: parallel, 1000 in flight, default --max-attempts=3")
    r = repl_bench(["--log-level=info", "--max-attempts=3"],
                   orders_for(1000, 150, secs, 20), 1000)
    r.update(scenario="latency", mode="parallel", in_flight=1000,
             max_attempts=3)
    out.append(r)
    return out


# Scenario 2: orders/s at latency 0 with 1 and 2 scheduler threads.
PAIR = "1 + 1 (two processes at once)"


def throughput(quick):
    out = []
    levels = [1, 10, 100, 1000, 10000]
    for threads in (1, 2):
        for c in levels:
            n = (20000 if quick else 100000) if c >= 100 else \
                (5000 if quick else 20000)
            if c == 10000:
                n *= 2
            log(f"throughput: {threads} thread(s), {c} in flight, {n} orders")
            r = repl_bench(["--log-level=info", "--latency-scale=0",
                            f"--scheduler.max-threads={threads}"], n, c)
            r.update(scenario="throughput", threads=threads, in_flight=c)
            out.append(r)
    # What this machine gives a second core when nothing is shared: two
    # 1-thread processes at once. Their combined rate is twice the slower
    # one's (both ran the whole time), the ceiling for the 2-thread ratio.
    n = 20000 if quick else 100000
    log(f"throughput: two 1-thread processes at once, 1000 in flight, "
        f"{n} orders each")
    opts = ["--log-level=info", "--latency-scale=0",
            "--scheduler.max-threads=1"]
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        a, b = ex.map(lambda _: repl_bench(opts, n, 1000), range(2))
    out.append({"scenario": "throughput", "threads": PAIR, "in_flight": 1000,
                "command": f"two at once: {a['command']}",
                "orders": 2 * n, "rss_kb": max(a["rss_kb"], b["rss_kb"]),
                "orders_per_s": 2 * min(a["orders_per_s"], b["orders_per_s"]),
                "each_orders_per_s": [a["orders_per_s"], b["orders_per_s"]],
                "p50_ms": max(a["p50_ms"], b["p50_ms"]),
                "p99_ms": max(a["p99_ms"], b["p99_ms"])})
    return out


# Scenario 3: peak RSS with N orders in flight at once.
def memory(quick, engine=ENGINE, levels=None, binary=None):
    out = []
    # Latencies x40 (fraud takes 6 s) and a long deadline keep every order of
    # the bench in flight at once; the bench's peak RSS is then RSS(N).
    opts = ["--log-level=info", "--latency-scale=40", "--deadline=60s",
            "--desk.max-in-flight=1000000", f"--engine={engine}"]
    binary = binary or BIN
    argv = [binary, "--seed=1", "--http=off", "--max-attempts=1",
            "--journal=off"] + opts
    _, rss0 = timed(argv, "quit\n", 60)
    out.append({"scenario": "memory", "in_flight": 0, "rss_kb": rss0,
                "engine": engine + ("" if binary == BIN else " (baseline)"),
                "command": "echo quit | " + shlex.join(argv).replace(
                    BIN, "build/release/order-node")})
    for n in levels or ([10000] if quick else [10000, 100000]):
        log(f"memory: {n} orders in flight")
        r = repl_bench(opts, n, n, timeout=300, binary=binary)
        r.update(scenario="memory", in_flight=n,
                 bytes_per_order=round((r["rss_kb"] - rss0) * 1024 / n))
        out.append(r)
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    """True if something accepts TCP connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


def wait_for(pred, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


# Scenario 4: the HTTP ingress under wrk.
def wrk_run(label, conns, secs, port, argv, server):
    """wrk against `argv` (a server on 127.0.0.1:`port`); a result dict."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        if not wait_for(lambda: port_open(port), 10):
            raise RuntimeError(f"{server}'s HTTP server did not start")
        wrk = ["wrk", "-t2", f"-c{conns}", f"-d{secs}s", "--timeout", "10s",
               "--latency", "-s", os.path.join(ROOT, "bench", "post.lua"),
               f"http://127.0.0.1:{port}"]
        log(f"http: {server}, {label}, {conns} connections, {secs} s")
        text = subprocess.run(wrk, text=True, capture_output=True,
                              check=True).stdout
        rss = int(re.search(r"VmHWM:\s+(\d+)",
                            open(f"/proc/{proc.pid}/status").read()).group(1))
    finally:
        proc.terminate()
        proc.wait(30)

    def ms(key):
        m = re.search(rf"^\s+{key}\s+([\d.]+)(us|ms|s)", text, re.M)
        if not m:
            return None
        v = float(m.group(1))
        return {"us": v / 1000, "ms": v, "s": v * 1000}[m.group(2)]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {"scenario": "http", "server": server, "case": label,
            "connections": conns, "p50_ms": ms("50%"), "p90_ms": ms("90%"),
            "p99_ms": ms("99%"), "requests_per_s": rps,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0, "rss_kb": rss,
            "engine": engine_of(argv) if server == "order-node" else None,
            "command": shlex.join(wrk).replace(ROOT + "/", "")
            + "  # against " + shlex.join(argv).replace(ROOT + "/", "")}


# Scenario 4: the HTTP ingress under wrk, and the Go peer's net/http server
# (same handler shape, same wrk command) in the same run when Go is there.
def http(quick):
    out = []
    secs = 8 if quick else 30
    go = build_peers().get("Go")
    for label, conns, opts, go_latency in (
            ("tutorial latencies", 1000, [], "1"),
            ("latency 0", 100, ["--latency-scale=0"], "0")):
        port = free_port()
        argv = [BIN, "--repl=off", f"--http=127.0.0.1:{port}", "--seed=1",
                "--log-level=info", "--max-attempts=1",
                "--journal=off"] + with_engine(opts)
        out.append(wrk_run(label, conns, secs, port, argv, "order-node"))
        if go:
            port = free_port()
            out.append(wrk_run(label, conns, secs, port,
                               go + [f"--http=127.0.0.1:{port}",
                                     f"--latency={go_latency}"],
                               "Go net/http"))
    return out


# Scenario 5: a front and two services nodes against the single role, both
# engines, with the CPU time of every process (issue #27).
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU time of process `pid` so far, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))


def cpu_bench(argv, line, others, timeout=900):
    """Runs `line` in the REPL of `argv` (with --log-level=info) and returns
    (the bench's figures, peak RSS in KB, CPU seconds of that process and of
    each pid in `others` (name -> pid) over the bench alone, read from /proc
    just before the line is sent and just after its answer)."""
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=err, text=True)
        try:
            def started():
                err.seek(0)
                return "order-node started" in err.read()
            if not wait_for(started, 30):
                raise RuntimeError(f"{shlex.join(argv)} did not start")
            pids = {"this": proc.pid, **others}
            before = {k: cpu_seconds(p) for k, p in pids.items()}
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
            bench = None
            end = time.time() + timeout
            while bench is None and time.time() < end:
                out = proc.stdout.readline()
                if not out:
                    break
                if out.startswith("{") and '"bench"' in out:
                    bench = json.loads(out)["bench"]
            if bench is None:
                err.seek(0)
                raise RuntimeError(f"{shlex.join(argv)}: no bench answer: "
                                   f"{err.read()[-500:]}")
            cpu = {k: round(cpu_seconds(p) - before[k], 3)
                   for k, p in pids.items()}
            rss = peak_rss_kb(proc.pid)
            proc.stdin.close()
            proc.wait(60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return bench, rss, cpu


def start_services(binary, scale, hosts, extra=()):
    """A services node on a free port, with options `extra`: (Popen, port).
    Without a payment ledger, as the single role it is compared with
    (--journal=off)."""
    port = free_port()
    p = subprocess.Popen(
        [binary, "--role=services", f"--listen=127.0.0.1:{port}", "--seed=1",
         f"--latency-scale={scale}", f"--hosts={hosts}",
         # As the single role's --journal=off: no payment ledger either.
         "--journal=off", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return p, port


def cluster(quick):
    out = []
    n_lat = 20000 if quick else 60000
    for scale in ("1", "0"):
        n = n_lat if scale == "1" else n_lat * 3
        label = ("tutorial latencies" if scale == "1" else "latency 0")
        for binary in [BIN] + ([BASELINE] if BASELINE else []):
            out += cluster_case(binary, scale, label, n)
    return out


def cluster_case(binary, scale, label, n):
    out = []
    nodes = []
    try:
        for hosts in ("warehouse:Main,warehouse:Backup,payment",
                      "fraud,carrier:Standard,carrier:Economy,"
                      "carrier:FastShip"):
            nodes.append(start_services(binary, scale, hosts))
        for _, port in nodes:
            if not wait_for(lambda p=port: port_open(p), 10):
                raise RuntimeError("a services node did not start")
        services = {"services A": nodes[0][0].pid,
                    "services B": nodes[1][0].pid}
        peers = ",".join(f"127.0.0.1:{p}" for _, p in nodes)
        for engine in ("actor", "batched"):
            for role, opts, others in (
                    ("single", [f"--latency-scale={scale}"], {}),
                    ("front + 2 services nodes",
                     ["--role=front", "--peers=" + peers], services)):
                which = "" if binary == BIN else " (baseline)"
                log(f"cluster: {label}, {engine}{which}, {role}, {n} orders")
                argv = [binary, "--seed=1", "--http=off", "--max-attempts=1",
                        "--journal=off", "--log-level=info",
                        f"--engine={engine}"] + opts
                line = f"bench orders={n} concurrency=1000"
                bench, rss, cpu = cpu_bench(argv, line, others)
                total = sum(cpu.values())
                cmd = f"echo '{line}' | {shlex.join(argv)}"
                out.append({
                    "scenario": "cluster", "case": label, "role": role,
                    "engine": engine + which, "in_flight": 1000,
                    "command": cmd.replace(ROOT + "/", ""), "rss_kb": rss,
                    "cpu_s": cpu, "cpu_us_per_order":
                        round(total / max(bench["orders"], 1) * 1e6, 1),
                    **bench})
    finally:
        for p, _ in nodes:
            p.terminate()
            p.wait(30)
    return out


# Scenario 6: what logging costs on the throughput path.
def extras(quick):
    out = []
    n = 20000 if quick else 100000
    for label, opts in (("log-level=info, metrics on (the default)",
                         ["--log-level=info"]),
                        ("log-level=warn", ["--log-level=warn"]),
                        ("log-level=debug (stderr to a file)",
                         ["--log-level=debug"]),
                        ("metrics off (--metrics=off)",
                         ["--log-level=info", "--metrics=off"])):
        log(f"extras: {label}, {n} orders")
        r = repl_bench(opts + ["--latency-scale=0"], n, 1000)
        r.update(scenario="extras", case=label, in_flight=1000)
        out.append(r)
    return out


PEERS = os.path.normpath(os.path.join(ROOT, "..", "shared", "peers"))


def build_peers():
    """Builds the reference peers found next to the repository (the
    workspace's shared/peers: bare CAF, Go) into build/peers; returns
    {name: argv prefix}. Peers whose sources or toolchain are missing are
    skipped (and said so)."""
    out_dir = os.path.join(ROOT, "build", "peers")
    os.makedirs(out_dir, exist_ok=True)
    found = {}
    caf_src = os.path.join(PEERS, "caf-minimal", "fanout.cpp")
    if os.path.exists(caf_src):
        exe = os.path.join(out_dir, "caf-minimal")
        sh(f"g++ -std=c++17 -O2 -DNDEBUG {caf_src} -o {exe} "
           "-lcaf_core -lpthread")
        found["bare CAF"] = [exe]
    else:
        log(f"peers: no {caf_src}, skipping bare CAF")
    go_dir = os.path.join(PEERS, "go")
    if os.path.isdir(go_dir) and subprocess.run(
            ["sh", "-c", "command -v go"], capture_output=True).returncode == 0:
        exe = os.path.join(out_dir, "go-peer")
        sh(f"cd {go_dir} && GOCACHE={out_dir}/gocache GOPATH={out_dir}/gopath "
           f"GOFLAGS=-mod=mod go build -o {exe} .")
        found["Go"] = [exe]
    else:
        log("peers: no Go toolchain or sources, skipping Go")
    return found


# Scenario 7: the reference peers in the same run (ratios, not copied
# figures, are what the targets compare).
def peers(quick):
    out = []
    runs = [(0, 1000, 50000 if quick else 200000),
            (1, 1000, 10000 if quick else 40000),
            (1, 10000, 50000 if quick else 200000)]
    for name, argv in build_peers().items():
        for lat, conc, n in runs:
            log(f"peers: {name}, latency {lat}, {conc} in flight, {n} orders")
            cmd = argv + [f"--orders={n}", f"--concurrency={conc}",
                          f"--latency={lat}"]
            text, rss = timed(cmd, "", 600)
            r = json.loads(text.strip().splitlines()[-1])
            r.update(scenario="peers", peer=name, latency=lat,
                     in_flight=conc, rss_kb=rss,
                     command=shlex.join(cmd).replace(ROOT + "/", ""))
            out.append(r)
    return out


# Scenario 8: the two engines side by side with the bare-CAF peer, each
# case run engine after engine after peer so that the machine's noise hits
# them alike (issue #14).
def engines(quick):
    out = []
    caf = build_peers().get("bare CAF")
    cases = [("latency 0", ["--latency-scale=0"], 0, 1000,
              50000 if quick else 200000),
             ("tutorial latencies", [], 1, 1000, 10000 if quick else 40000),
             ("tutorial latencies", [], 1, 10000, 50000 if quick else 200000)]
    for case, opts, lat, conc, n in cases:
        for engine in ("actor", "batched"):
            for binary in [BIN] + ([BASELINE] if BASELINE else []):
                which = "" if binary == BIN else " (baseline)"
                log(f"engines: {engine}{which}, {case}, {conc} in flight, "
                    f"{n} orders")
                r = repl_bench(["--log-level=info", f"--engine={engine}"]
                               + opts, n, conc, binary=binary)
                r.update(scenario="engines", case=case, in_flight=conc)
                out.append(r)
        if caf:
            log(f"engines: bare CAF, {case}, {conc} in flight, {n} orders")
            cmd = caf + [f"--orders={n}", f"--concurrency={conc}",
                         f"--latency={lat}"]
            text, rss = timed(cmd, "", 600)
            r = json.loads(text.strip().splitlines()[-1])
            r.update(scenario="engines", engine="bare CAF", case=case,
                     in_flight=conc, rss_kb=rss,
                     command=shlex.join(cmd).replace(ROOT + "/", ""))
            out.append(r)
    for engine in ("actor", "batched"):
        for binary in [BIN] + ([BASELINE] if BASELINE else []):
            which = "" if binary == BIN else " (baseline)"
            log(f"engines: memory, {engine}{which}, 10000 in flight")
            for r in memory(quick, engine, [10000], binary=binary):
                r["scenario"] = "engines memory"
                out.append(r)
    return out


# Scenario 9: the journal's cost (issue #15). Each case runs off, normal
# and full one after the other (the machine's noise hits them alike), then
# the machine's own ceiling for the same rows, then recovery.
def journal(quick):
    out = []
    tmp = tempfile.mkdtemp(prefix="order-node-bench-")
    try:
        cases = [("tutorial latencies", [], 1000, 10000 if quick else 40000),
                 ("latency 0", ["--latency-scale=0"], 1000,
                  50000 if quick else 200000)]
        for case, opts, conc, n in cases:
            for engine in ("actor", "batched"):
                for sync in ("off", "normal", "full"):
                    for f in os.listdir(tmp):
                        os.remove(os.path.join(tmp, f))
                    j = (["--journal=off"] if sync == "off" else
                         [f"--journal={tmp}/bench.journal",
                          f"--journal.sync={sync}"])
                    log(f"journal: {engine}, {case}, sync={sync}, {n} orders")
                    r = repl_bench([f"--engine={engine}", "--log-level=warn"]
                                   + opts + j, n, conc)
                    r["command"] = r["command"].replace(tmp, "/tmp/j")
                    r.update(scenario="journal", case=case, sync=sync,
                             in_flight=conc)
                    out.append(r)
        ceiling = os.path.join(ROOT, "build/release/journal_ceiling")
        n = 50000 if quick else 200000
        for sync in ("off", "normal", "full"):
            for f in os.listdir(tmp):
                os.remove(os.path.join(tmp, f))
            log(f"journal: the machine's ceiling, sync={sync}")
            text, rss = timed([ceiling, tmp, sync, str(n), "1000"], "", 600)
            r = json.loads(text.strip().splitlines()[-1])
            r.update(scenario="journal ceiling", rss_kb=rss,
                     command=f"build/release/journal_ceiling /tmp/j {sync} "
                             f"{n} 1000")
            out.append(r)
        out += recovery(tmp, 2000 if quick else 10000)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def recovery(tmp, n):
    """Leaves `n` orders unfinished in a journal (SIGKILL while they wait
    for slow services), restarts on it at latency 0 and times the start
    and the resumed orders' decisions."""
    for f in os.listdir(tmp):
        os.remove(os.path.join(tmp, f))
    path = f"{tmp}/recovery.journal"
    port = free_port()
    base = [BIN, "--seed=1", "--repl=off", f"--http=127.0.0.1:{port}",
            f"--journal={path}", "--max-attempts=1",
            f"--desk.max-in-flight={n}", "--deadline=60s",
            "--log-level=warn"]
    log(f"journal: recovery, {n} orders left unfinished")
    first = subprocess.Popen(base + ["--latency-scale=100"],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: port_open(port), 10)
        body = json.dumps({"userId": "u1", "productId": "p1", "quantity": 1,
                           "amount": 10.0, "weight": 1.0,
                           "destination": "Berlin"})
        script = ("wrk.method = 'POST'\n"
                  f"wrk.body = '{body}'\n"
                  "wrk.headers['Content-Type'] = 'application/json'\n")
        lua = os.path.join(tmp, "send.lua")
        with open(lua, "w") as f:
            f.write(script)
        # /send answers once the order is durable: about n requests.
        subprocess.run(["wrk", "-t1", "-c50", f"-d{max(2, n // 4000)}s",
                        "-s", lua,
                        f"http://127.0.0.1:{port}/OrderService/ProcessOrder"
                        "/send"], stdout=subprocess.DEVNULL, check=True)
    finally:
        first.kill()
        first.wait()
    err = open(os.path.join(tmp, "second.err"), "w+")
    t0 = time.time()
    second = subprocess.Popen(
        [a.replace("--log-level=warn", "--log-level=info") for a in base]
        + ["--latency-scale=0", "--log-level=info"],
        stdout=subprocess.DEVNULL, stderr=err)
    try:
        def text():
            err.seek(0)
            return err.read()
        wait_for(lambda: "order-node started" in text(), 60)
        started = time.time() - t0
        m = re.search(r"(\d+) unfinished orders? to resume", text())
        resumed = int(m.group(1)) if m else 0

        def decided():
            try:
                req = urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/metrics", timeout=5)
                total = 0.0
                for line in req.read().decode().splitlines():
                    if line.startswith("order_node_orders_total{"):
                        total += float(line.rsplit(" ", 1)[1])
                return total >= resumed
            except OSError:
                return False
        wait_for(decided, 120)
        done = time.time() - t0
    finally:
        second.terminate()
        second.wait()
    return [{"scenario": "journal recovery", "resumed": resumed,
             "started_s": round(started, 3), "all_decided_s": round(done, 3),
             "rss_kb": 0,
             "command": "bench/harness.py recovery(): SIGKILL with the "
                        "orders in flight at --latency-scale=100, restart "
                        "with --latency-scale=0"}]


def find(results, **kw):
    for r in results:
        if all(r.get(k) == v for k, v in kw.items()):
            if "max_attempts" not in kw and r.get("max_attempts"):
                continue
            return r
    return None


def targets(results):
    """Issue #6's targets, each with its figure and met / missed."""
    t = []

    def add(name, figure, ok, unit=""):
        t.append({"target": name, "figure": figure, "unit": unit,
                  "met": bool(ok) if figure is not None else None})
    def add_ratio(name, num, den, key, bound, unit=""):
        """Target `num[key] / den[key] >= bound`, when both were measured."""
        if num and den:
            ratio = round(num[key] / max(den[key], 1), 2)
            add(name, ratio, ratio >= bound, unit)
    lat = lambda c, m="parallel": find(results, scenario="latency", mode=m,
                                      in_flight=c)
    for in_flight, p50, p99 in ((1000, 151, 155), (10000, 152, 160)):
        r = lat(in_flight)
        if r:
            add(f"p50 <= {p50} ms at {in_flight:,} in flight", r["p50_ms"],
                r["p50_ms"] <= p50, " ms")
            add(f"p99 <= {p99} ms at {in_flight:,} in flight", r["p99_ms"],
                r["p99_ms"] <= p99, " ms")
    p, s = lat(1000), lat(1000, "sequential")
    if p and s:
        ratio = round(s["p50_ms"] / p["p50_ms"], 3)
        add("sequential / parallel p50 >= 2.97 (1,000 in flight)", ratio,
            ratio >= 2.97)
    t1 = find(results, scenario="throughput", threads=1, in_flight=1000)
    t2 = find(results, scenario="throughput", threads=2, in_flight=1000)
    if t2:
        add("orders/s at latency 0, 1,000 in flight >= 250,000 (2x bare CAF)",
            t2["orders_per_s"], t2["orders_per_s"] >= 250000)
    caf0 = find(results, scenario="peers", peer="bare CAF", latency=0)
    add_ratio("orders/s at latency 0 >= 2x bare CAF of the same run", t2, caf0,
              "orders_per_s", 2, "x")
    add_ratio("2 threads >= 1.7x 1 thread (latency 0, 1,000 in flight)", t2, t1,
              "orders_per_s", 1.7)
    pair = find(results, scenario="throughput", threads=PAIR, in_flight=1000)
    if pair and t1 and t2:
        ceiling = round(pair["orders_per_s"] / max(t1["orders_per_s"], 1), 2)
        t[-1]["context"] = (f"two 1-thread processes at once: {ceiling}x "
                            "one alone")
    m = find(results, scenario="memory", in_flight=10000)
    if m:
        add("memory per in-flight order <= 4 KB (10,000 in flight)",
            m["bytes_per_order"], m["bytes_per_order"] <= 4096, " B")
    h = find(results, scenario="http", server="order-node", connections=1000)
    if h:
        add("HTTP p99 <= 160 ms at 1,000 connections", h["p99_ms"],
            h["p99_ms"] is not None and h["p99_ms"] <= 160, " ms")
    h = find(results, scenario="http", server="order-node", connections=100)
    if h:
        add("HTTP requests/s at latency 0 >= Go net/http (62,700)",
            h["requests_per_s"], h["requests_per_s"] >= 62700)
    g = find(results, scenario="http", server="Go net/http", connections=100)
    add_ratio("HTTP requests/s at latency 0 >= Go net/http of the same run", h,
              g, "requests_per_s", 1, "x")
    # Issue #14: the actor engine (the default) against the bare-CAF peer.
    eng = lambda e, case, c: find(results, scenario="engines", engine=e,
                                  case=case, in_flight=c)
    a0, c0 = eng("actor", "latency 0", 1000), eng("bare CAF", "latency 0",
                                                  1000)
    add_ratio("actor engine: orders/s at latency 0, 1,000 in flight >= 1.5x "
              "bare CAF of the same run", a0, c0, "orders_per_s", 1.5, "x")
    a1 = eng("actor", "tutorial latencies", 1000)
    if a1:
        add("actor engine: p99 <= 155 ms at 1,000 in flight", a1["p99_ms"],
            a1["p99_ms"] <= 155, " ms")
    am = find(results, scenario="engines memory", engine="actor",
              in_flight=10000)
    if am:
        add("actor engine: memory per in-flight order <= 6 KB (10,000)",
            am["bytes_per_order"], am["bytes_per_order"] <= 6144, " B")
    a10 = eng("actor", "tutorial latencies", 10000)
    if a10:
        t.append({"target": "actor engine at 10,000 in flight: p50 / p99 "
                  "(recorded, no bound)",
                  "figure": f"{fmt(a10['p50_ms'])} / {fmt(a10['p99_ms'])}",
                  "unit": " ms", "met": None, "context": "recorded"})
    for e in ("actor", "batched"):
        cl = lambda case, role: find(results, scenario="cluster", case=case,
                                     role=role, engine=e)
        front = "front + 2 services nodes"
        cs, cc = cl("tutorial latencies", "single"), cl("tutorial latencies",
                                                       front)
        if cs and cc:
            d = round(cc["p50_ms"] - cs["p50_ms"], 2)
            add(f"{e} engine: cluster p50 within 1 ms of single (tutorial "
                "latencies, 1,000 in flight)", d, d <= 1, " ms")
        cs, cc = cl("latency 0", "single"), cl("latency 0", front)
        if cs and cc and cs.get("cpu_us_per_order"):
            ratio = round(cc["cpu_us_per_order"] / cs["cpu_us_per_order"], 2)
            add(f"{e} engine: cluster CPU per order <= 1.5x single (latency "
                "0, all processes)", ratio, ratio <= 1.5, "x")
        add_ratio(f"{e} engine: cluster orders/s >= 0.5x single (latency 0)",
                  cc, cs, "orders_per_s", 0.5, "x")
    sk = find(results, scenario="soak")
    if sk:
        add(f"soak {sk['seconds'] / 60:.0f} min at 3x max-in-flight: every "
            "request answered, counts add up, no unexplained log line",
            f"{sk['answered_total']:,} of {sk['sent_total']:,}",
            sk["answered_total"] == sk["sent_total"]
            and sk["unanswered"] == 0 and not sk["problems"]
            and not sk["log_unexplained"])
        g = sk["rss_after_warmup_growth_pct"]
        add("soak: RSS growth after warm-up < 10 %", g,
            g is not None and g < 10, " %")
    return t


def fmt(x, digits=2):
    if x is None:
        return "—"
    if isinstance(x, float) and (digits == 0 or x >= 10000):
        return f"{x:,.0f}"
    if isinstance(x, float):
        return f"{x:,.{digits}f}".rstrip("0").rstrip(".")
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def cpu_cell(r):
    """"2.41 / 0.93 / 0.88": CPU seconds of each process of a cluster row."""
    cpu = r.get("cpu_s")
    if not cpu:
        return "—"
    return " / ".join(fmt(cpu[k]) for k in ("this", "services A",
                                            "services B") if k in cpu)


def tables(doc):
    res = doc["results"]
    m = doc["machine"]
    lines = [BEGIN, "",
             f"Generated by `bench/run{' --quick' if doc['quick'] else ''}` "
             f"on {m['date_utc']} UTC: {m['cores']} cores, {m['memory_gib']} "
             f"GiB, {m['cpu']}, load at start {' '.join(m['load_at_start'])}, "
             f"{m['compiler']}, CAF {m['caf']}, commit "
             f"{m['order_node_commit']}. Every figure with its command: "
             "`bench/results/latest.json`."]
    for r in doc.get("reruns", []):
        rm = r["machine"]
        note = f" ({r['note']})" if r.get("note") else ""
        lines.append(f"Re-run with `--only={','.join(r['scenarios'])}` on "
                     f"{rm['date_utc']} UTC, load at start "
                     f"{' '.join(rm['load_at_start'])}, commit "
                     f"{rm['order_node_commit']}{note}.")
    lines += ["",
             "### Targets", "", "| target | figure | |", "|---|---|---|"]
    for t in doc["targets"]:
        status = {True: "met", False: "**missed**", None: "not run"}[t["met"]]
        if t.get("context") == "recorded":
            status = "recorded"
        elif t.get("context"):
            status += f" ({t['context']})"
        lines.append(f"| {t['target']} | {fmt(t['figure'])}{t['unit']} | "
                     f"{status} |")
    mb = lambda r: f"{r['rss_kb'] // 1024} MB"
    # Each results table: title, columns, the scenario and one row's cells.
    sections = [
        ("Latency against orders in flight (tutorial latencies, "
         "`--max-attempts=1`)",
         ["mode", "in flight", "orders", "orders/s", "p50 ms", "p90 ms",
          "p99 ms", "max ms", "after 1 s: p50 / p99 ms"], "latency",
         lambda r: [r["mode"] + (" (`--max-attempts=3`)"
                                 if r.get("max_attempts") else ""),
                    fmt(r["in_flight"]), fmt(r["orders"]),
                    fmt(r["orders_per_s"], 0), fmt(r["p50_ms"]),
                    fmt(r["p90_ms"]), fmt(r["p99_ms"]), fmt(r["max_ms"]),
                    (f"{fmt(r['steady']['p50_ms'])} / "
                     f"{fmt(r['steady']['p99_ms'])}") if "steady" in r
                    else "—"],
         "![latency](img/latency.png)"),
        ("Throughput at latency 0",
         ["scheduler threads", "in flight", "orders", "orders/s", "p50 ms",
          "p99 ms", "peak RSS"], "throughput",
         lambda r: [str(r["threads"]), fmt(r["in_flight"]), fmt(r["orders"]),
                    fmt(r["orders_per_s"], 0), fmt(r["p50_ms"]),
                    fmt(r["p99_ms"]), mb(r)],
         "![throughput](img/throughput.png)"),
        ("Memory", ["orders in flight", "peak RSS",
                    "bytes per in-flight order"], "memory",
         lambda r: [fmt(r["in_flight"]), mb(r),
                    fmt(r.get("bytes_per_order"))], None),
        ("HTTP (wrk on the same machine; Go net/http: the Go peer's server)",
         ["server", "case", "connections", "p50 ms", "p90 ms", "p99 ms",
          "requests/s", "non-2xx", "peak RSS"], "http",
         lambda r: [r.get("server", "order-node"), r["case"],
                    fmt(r["connections"]), fmt(r["p50_ms"]),
                    fmt(r["p90_ms"]), fmt(r["p99_ms"]),
                    fmt(r["requests_per_s"], 0), fmt(r["non_2xx"]), mb(r)],
         None),
        ("Cluster: front + 2 services nodes on 127.0.0.1 against the single "
         "role (1,000 in flight)",
         ["case", "engine", "role", "orders", "orders/s", "p50 ms", "p90 ms",
          "p99 ms", "CPU s: this / A / B", "CPU µs per order",
          "peak RSS (front / single)"], "cluster",
         lambda r: [r["case"], r.get("engine", "batched"), r["role"],
                    fmt(r["orders"]), fmt(r["orders_per_s"], 0),
                    fmt(r["p50_ms"]), fmt(r["p90_ms"]), fmt(r["p99_ms"]),
                    cpu_cell(r), fmt(r.get("cpu_us_per_order")), mb(r)],
         None),
        ("Reference peers, same run (`../shared/peers`)",
         ["peer", "latency", "in flight", "orders", "orders/s", "p50 ms",
          "p99 ms", "peak RSS"], "peers",
         lambda r: [r["peer"], str(r["latency"]), fmt(r["in_flight"]),
                    fmt(r["orders"]), fmt(float(r["orders_per_s"]), 0),
                    fmt(r["p50_ms"]), fmt(r["p99_ms"]), mb(r)], None),
        ("The two engines and the bare-CAF peer, same run "
         "(`--log-level=info`, `--max-attempts=1`)",
         ["engine", "case", "in flight", "orders", "orders/s", "p50 ms",
          "p99 ms", "after 1 s: p50 / p99 ms", "peak RSS"], "engines",
         lambda r: [r["engine"], r["case"], fmt(r["in_flight"]),
                    fmt(r["orders"]), fmt(float(r["orders_per_s"]), 0),
                    fmt(r["p50_ms"]), fmt(r["p99_ms"]),
                    (f"{fmt(r['steady']['p50_ms'])} / "
                     f"{fmt(r['steady']['p99_ms'])}") if "steady" in r
                    else "—", mb(r)], None),
        ("Memory of the two engines (latencies x40, every order in flight)",
         ["engine", "orders in flight", "peak RSS",
          "bytes per in-flight order"], "engines memory",
         lambda r: [r["engine"], fmt(r["in_flight"]), mb(r),
                    fmt(r.get("bytes_per_order"))], None),
        ("The journal's cost (`--max-attempts=1`, 1,000 in flight; "
         "docs/durability.md)",
         ["engine", "case", "sync", "orders", "orders/s", "p50 ms", "p90 ms",
          "p99 ms", "after 1 s: p50 / p99 ms"], "journal",
         lambda r: [r["engine"], r["case"], r["sync"], fmt(r["orders"]),
                    fmt(float(r["orders_per_s"]), 0), fmt(r["p50_ms"]),
                    fmt(r["p90_ms"]), fmt(r["p99_ms"]),
                    (f"{fmt(r['steady']['p50_ms'])} / "
                     f"{fmt(r['steady']['p99_ms'])}") if "steady" in r
                    else "—"], None),
        ("The machine's ceiling for the same rows (a plain loop, 1,000 "
         "orders a commit, journal and ledger on two threads)",
         ["sync", "orders", "orders/s", "journal s", "ledger s"],
         "journal ceiling",
         lambda r: [r["sync"], fmt(r["orders"]),
                    fmt(float(r["orders_per_s"]), 0), fmt(r["journal_s"]),
                    fmt(r["ledger_s"])], None),
        ("Recovery (restart at latency 0 on a journal left by SIGKILL)",
         ["orders resumed", "start to ready s", "start to all decided s"],
         "journal recovery",
         lambda r: [fmt(r["resumed"]), fmt(r["started_s"], 3),
                    fmt(r["all_decided_s"], 3)], None),
        ("Cost of the extras (latency 0, 1,000 in flight)",
         ["case", "orders/s", "p50 ms", "p99 ms"], "extras",
         lambda r: [r["case"], fmt(r["orders_per_s"], 0), fmt(r["p50_ms"]),
                    fmt(r["p99_ms"])], None),
    ]
    for title, columns, scenario, cells, image in sections:
        lines += ["", f"### {title}", "", "| " + " | ".join(columns) + " |",
                  "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(cells(r)) + " |" for r in res
                  if r["scenario"] == scenario]
        if image:
            lines += ["", image]
    lines += ["", END]
    return "\n".join(lines)


def plots(doc):
    os.makedirs(IMG, exist_ok=True)
    res = doc["results"]
    with tempfile.TemporaryDirectory() as d:
        def data(name, rows):
            path = os.path.join(d, name)
            with open(path, "w") as f:
                for row in rows:
                    f.write(" ".join(str(x) for x in row) + "\n")
            return path
        par = data("par", [(r["in_flight"], r["p50_ms"], r["p90_ms"],
                            r["p99_ms"], r["max_ms"]) for r in res
                           if r["scenario"] == "latency"
                           and r["mode"] == "parallel"
                           and not r.get("max_attempts")])
        seq = data("seq", [(r["in_flight"], r["p50_ms"], r["p90_ms"],
                            r["p99_ms"], r["max_ms"]) for r in res
                           if r["scenario"] == "latency"
                           and r["mode"] == "sequential"])
        thr = {t: data(f"thr{t}", [(r["in_flight"], r["orders_per_s"])
                                   for r in res
                                   if r["scenario"] == "throughput"
                                   and r["threads"] == t]) for t in (1, 2)}
        script = f"""
set terminal pngcairo size 900,540 font ",10"
set output '{IMG}/latency.png'
set title 'order-node: latency against orders in flight (tutorial latencies)'
set logscale x
set xlabel 'orders in flight'
set ylabel 'ms'
set key outside right
set grid
plot 150 title 'parallel floor 150 ms' dt 2 lc rgb 'gray', \\
     450 title 'sequential floor 450 ms' dt 2 lc rgb 'black', \\
     '{par}' using 1:2 with linespoints title 'parallel p50', \\
     '{par}' using 1:3 with linespoints title 'parallel p90', \\
     '{par}' using 1:4 with linespoints title 'parallel p99', \\
     '{par}' using 1:5 with linespoints title 'parallel max', \\
     '{seq}' using 1:2 with linespoints title 'sequential p50', \\
     '{seq}' using 1:4 with linespoints title 'sequential p99'
set output '{IMG}/throughput.png'
set title 'order-node: orders/s at latency 0'
set ylabel 'orders/s'
unset logscale y
plot '{thr[1]}' using 1:2 with linespoints title '1 scheduler thread', \\
     '{thr[2]}' using 1:2 with linespoints title '2 scheduler threads'
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        sk = [r for r in res if r["scenario"] == "soak"]
        if sk:
            rss = data("rss", [(t, kib / 1024) for t, kib in sk[0]["rss_kib"]])
            warm = sk[0]["seconds"] * 0.1
            script = f"""
set terminal pngcairo size 900,420 font ",10"
set output '{IMG}/soak-rss.png'
set title 'order-node soak: RSS over time ({sk[0]["command"].split()[-1].split("=")[0]} on, 3x --desk.max-in-flight, 10 % malformed)'
set xlabel 'seconds'
set ylabel 'RSS (MiB)'
set yrange [0:*]
set grid
set arrow from {warm}, graph 0 to {warm}, graph 1 nohead dt 2 lc rgb 'gray'
plot '{rss}' using 1:2 with lines lw 2 title 'RSS (warm-up ends at the dashed line)'
"""
            subprocess.run(["gnuplot"], input=script, text=True, check=True)


def write_doc(doc):
    text = open(DOC).read()
    block = tables(doc)
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END)
                                                        + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n## bench/run\n\n" + block + "\n"
    with open(DOC, "w") as f:
        f.write(text)


def soak_scenario(quick):
    """Soak and overload (bench/soak.py): 10 minutes (--quick: 1)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import soak
    r = soak.soak(BIN, 60 if quick else 600, 300, log=log)
    log(f"soak: {r['answered_total']} of {r['sent_total']} answered, RSS "
        f"growth after warm-up {r['rss_after_warmup_growth_pct']} %, "
        f"passed={r['passed']}")
    return [r]


SCENARIOS = {"latency": latency_floor, "throughput": throughput,
             "memory": memory, "http": http, "cluster": cluster,
             "extras": extras, "peers": peers, "engines": engines,
             "journal": journal, "soak": soak_scenario}
# Not part of a full run (it takes ten minutes on its own): --only=soak.
NOT_BY_DEFAULT = {"soak"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="fewer orders and shorter runs (under 3 minutes)")
    ap.add_argument("--only", default="",
                    help="comma-separated scenarios: " + ",".join(SCENARIOS))
    ap.add_argument("--baseline", default="",
                    help="another order-node binary to run beside this "
                         "one in scenarios engines and cluster (e.g. an "
                         "older build)")
    args = ap.parse_args()
    global BASELINE
    BASELINE = os.path.abspath(args.baseline) if args.baseline else None
    started = time.time()
    info = machine()
    log(f"machine: {info['cores']} cores, {info['memory_gib']} GiB, "
        f"{info['cpu']}, load {' '.join(info['load_at_start'])}")
    build()
    chosen = [s for s in args.only.split(",") if s] or [
        s for s in SCENARIOS if s not in NOT_BY_DEFAULT]
    results = []
    for name in chosen:
        results += SCENARIOS[name](args.quick)
    for r in results:
        r["measured_utc"] = info["date_utc"]
    reruns = []
    if args.only and os.path.exists(RESULTS):
        # Keep the other scenarios of the last run; say which were re-run.
        old = json.load(open(RESULTS))
        # A scenario's results are those of its name ("engines") and of
        # its parts ("engines memory").
        results = [r for r in old["results"]
                   if r["scenario"].split(" ")[0] not in chosen] + results
        rerun = {"scenarios": chosen, "machine": info}
        if BASELINE:
            rerun["note"] = ("beside `--baseline=`, "
                             + sh(f"{shlex.quote(BASELINE)} --version").strip())
        reruns = old.get("reruns", []) + [rerun]
        info = old["machine"]
    doc = {"quick": args.quick, "machine": info, "reruns": reruns,
           "seconds": round(time.time() - started, 1),
           "results": results}
    doc["targets"] = targets(results)
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump(doc, f, indent=1)
    write_doc(doc)
    plots(doc)
    for t in doc["targets"]:
        status = {True: "met", False: "MISSED", None: "not run"}[t["met"]]
        if t.get("context") == "recorded":
            status = "recorded"
        elif t.get("context"):
            status += f" ({t['context']})"
        print(f"{t['target']}: {fmt(t['figure'])}{t['unit']} — {status}")
    log(f"done in {doc['seconds']} s: {RESULTS}, {DOC}, {IMG}/")


if __name__ == "__main__":
    main()
