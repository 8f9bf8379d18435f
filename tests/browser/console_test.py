#!/usr/bin/env python3
"""The console in a real browser (issue #17): CTest test `browser`.

Usage: console_test.py ORDER_NODE_BINARY ARTIFACT_DIR [--docs DOCS_IMG_DIR]

Starts order-node on 127.0.0.1 (a free port, a fresh working directory and
journal), opens http://127.0.0.1:PORT/ in Debian's headless Chromium driven
by Selenium (python3-selenium, chromium-driver), and checks what a newcomer
does: the live view fills in; an order placed from the form shows six bars
named after the six calls, in proportion to their durations (fraud's the
longest) and the decision mark; a sequential order beside it shows the
tutorial's two flows; a failed order opened from the list shows why it
failed. Screenshots go to ARTIFACT_DIR (and, with --docs, to the docs'
images). Every wait is bounded; the node and the browser are stopped at
the end, whatever happened.

Without Chromium, its driver or Selenium the test is skipped (exit 77),
except under CI=true, where it fails: the README's test command installs
them.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77
ORDER = {"userId": "user123", "productId": "prod456", "quantity": 2,
         "amount": 99.99, "weight": 5.5, "destination": "New York"}


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print(f"ok: {msg}", flush=True)


def need(what):
    msg = f"{what} is missing (bash .ci/install-deps --test installs it)"
    if os.environ.get("CI") == "true":
        fail(msg)
    print(f"SKIP: {msg}")
    sys.exit(SKIP)


try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    need("python3-selenium")


class Node:
    """order-node with the console, on a free port of 127.0.0.1."""

    def __init__(self, binary, workdir):
        self.err_path = os.path.join(workdir, "order-node.err")
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen(
            [binary, "--repl=off", "--http=127.0.0.1:0", "--seed=7"],
            cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.err)
        deadline = time.time() + 15
        self.port = None
        while time.time() < deadline and self.port is None:
            with open(self.err_path) as f:
                m = re.search(r"listening on 127\.0\.0\.1:(\d+)", f.read())
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None:
                break
            else:
                time.sleep(0.05)
        if self.port is None:
            self.stop()
            fail("order-node did not start: " + open(self.err_path).read())
        self.base = f"http://127.0.0.1:{self.port}"

    def post(self, route, body, key=None):
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        req = urllib.request.Request(self.base + route,
                                     data=json.dumps(body).encode(),
                                     headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=10) as res:
            return json.load(res)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def browser():
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if not chromium:
        need("chromium")
    if not driver:
        need("chromium-driver")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--window-size=1280,1800",
                 "--hide-scrollbars",
                 # Nothing but 127.0.0.1: no updates, sync or reports.
                 "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--disable-default-apps",
                 "--disable-extensions", "--no-first-run",
                 "--disable-features=Translate,OptimizationHints,MediaRouter",
                 "--metrics-recording-only", "--no-default-browser-check"]:
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service(driver), options=opts)


def wait(drv, what, cond, timeout=20):
    try:
        return WebDriverWait(drv, timeout, poll_frequency=0.1).until(
            lambda d: cond(d))
    except Exception as e:  # TimeoutException, stale elements
        fail(f"{what}: not within {timeout} s ({type(e).__name__})")


def bars(drv, svg_id):
    out = []
    for r in drv.find_elements(By.CSS_SELECTOR, f"#{svg_id} rect.bar"):
        out.append({"service": r.get_attribute("data-service"),
                    "instance": r.get_attribute("data-instance"),
                    "outcome": r.get_attribute("data-outcome"),
                    "ms": float(r.get_attribute("data-ms")),
                    "x": float(r.get_attribute("x")),
                    "width": float(r.get_attribute("width"))})
    return out


def shot(drv, element_id, name, dirs):
    for d in dirs:
        path = os.path.join(d, name)
        if element_id:
            drv.find_element(By.ID, element_id).screenshot(path)
        else:
            drv.save_screenshot(path)
        print(f"screenshot: {path}", flush=True)


def run(binary, dirs):
    workdir = tempfile.mkdtemp(prefix="order-node-browser-")
    node = Node(binary, workdir)
    drv = None
    try:
        # Orders before the page opens: the list has a failed one to open.
        failed = None
        for i in range(60):
            r = node.post("/OrderService/ProcessOrder",
                          dict(ORDER, userId=f"user{i}"), key=f"warm-{i}")
            if r["status"] == "failed" and failed is None:
                failed = r
        check(failed is not None, "a failed order among 60 placed by HTTP")
        drv = browser()
        drv.get(node.base + "/")
        wait(drv, "the live view", lambda d:
             d.find_element(By.ID, "node-role").text == "single"
             and d.find_element(By.ID, "live-confirmed").text not in ("–", ""))
        wait(drv, "the latency plot", lambda d: len(d.find_elements(
            By.CSS_SELECTOR, "#chart-latency path")) >= 2)
        check(int(drv.find_element(By.ID, "live-failed").text) >= 1,
              "the live view counts the failed orders")
        calls = drv.find_elements(By.CSS_SELECTOR, "#calls tbody tr")
        check(len(calls) == 6, "calls per service instance: 6 rows")

        # The tutorial's order from the form, parallel.
        drv.find_element(By.ID, "kind-parallel").click()
        drv.find_element(By.ID, "place-order").click()
        wait(drv, "the parallel order's timeline",
             lambda d: len(bars(d, "timeline")) == 6)
        got = bars(drv, "timeline")
        names = sorted((b["service"], b["instance"]) for b in got)
        check(names == sorted([("inventory", "Main"), ("inventory", "Backup"),
                               ("payment", "payment"), ("fraud", "fraud"),
                               ("shipping", "Standard"),
                               ("shipping", "Economy")]),
              "six bars named after the six calls")
        widest = max(got, key=lambda b: b["width"])
        check(widest["service"] == "fraud", "fraud's bar is the longest")
        for b in got:
            ratio = (b["width"] / widest["width"]) / (b["ms"] / widest["ms"])
            check(0.95 < ratio < 1.05,
                  f"{b['service']} {b['instance']}: width in proportion to "
                  f"its {b['ms']} ms (ratio {ratio:.3f})")
        # Payment waits for the journal's record of the order (one group
        # commit: its fsync took 2 to 18 ms on the CI machine's disk, so the
        # bound is loose): the others start together.
        starts = [b["x"] for b in got if b["service"] != "payment"]
        check(max(starts) - min(starts) < 2,
              "the five calls without a side effect start together")
        pay = next(b for b in got if b["service"] == "payment")
        per_ms = widest["width"] / widest["ms"]
        check(0 <= pay["x"] - min(starts) < 100 * per_ms,
              "payment starts after them, within 100 ms (once the order is "
              "journaled)")
        check(len(drv.find_elements(By.CSS_SELECTOR, "#timeline line.mark.decision")) == 1,
              "the decision is marked")
        status = drv.find_element(By.ID, "order-status").text
        check(status.split(" ")[0] in ("confirmed", "failed", "timeout"),
              f"the order's status is shown ({status})")
        shot(drv, "order", "console-order.png", dirs)

        # The same order, sequential: the two flows side by side.
        drv.find_element(By.ID, "kind-sequential").click()
        drv.find_element(By.ID, "place-order").click()
        wait(drv, "the comparison", lambda d:
             d.find_element(By.ID, "compare").is_displayed()
             and len(bars(d, "compare-seq")) >= 1)
        seq = bars(drv, "compare-seq")
        par = bars(drv, "compare-par")
        check(len(par) == 6, "the parallel flow: six bars")
        xs = [b["x"] for b in seq]
        check(xs == sorted(xs) and (len(xs) == 1 or xs[-1] > xs[0] + 10),
              "the sequential flow: one call after the other")
        check(max(b["x"] + b["width"] for b in seq)
              >= max(b["x"] + b["width"] for b in par) or len(seq) < 4,
              "on one scale, the sequential flow ends later")
        shot(drv, "place", "console-compare.png", dirs)

        # A failed order from the list.
        Select(drv.find_element(By.ID, "filter-status")).select_by_value("failed")
        wait(drv, "failed orders in the list", lambda d: len(d.find_elements(
            By.CSS_SELECTOR, '#orders tbody tr[data-status="failed"]')) >= 1
            and len(d.find_elements(By.CSS_SELECTOR, "#orders tbody tr"))
            == len(d.find_elements(By.CSS_SELECTOR,
                                   '#orders tbody tr[data-status="failed"]')))
        row = drv.find_element(By.CSS_SELECTOR,
                               f'#orders tbody tr[data-order-id="{failed["orderId"]}"]')
        row.click()
        wait(drv, "the failed order", lambda d:
             d.find_element(By.ID, "order-id").text == failed["orderId"])
        check(drv.find_element(By.ID, "order-status").text.startswith("failed"),
              "the failed order's status reads failed")
        check(drv.find_element(By.ID, "order-details").text == failed["details"],
              f"its failure is shown: {failed['details']}")
        events = [e.get_attribute("data-event") for e in
                  drv.find_elements(By.CSS_SELECTOR, "#order-events li")]
        check(events[:1] == ["accepted"] and "decided" in events,
              f"its journal events: {events}")
        shot(drv, "order", "console-failed.png", dirs)
        drv.execute_script("window.scrollTo(0, 0)")
        shot(drv, None, "console.png", dirs)
        errors = [e for e in drv.get_log("browser")
                  if e.get("level") == "SEVERE"]
        check(not errors, f"no errors in the browser's console: {errors}")
    finally:
        if drv is not None:
            drv.quit()
        node.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    args = sys.argv[1:]
    if len(args) not in (2, 4) or (len(args) == 4 and args[2] != "--docs"):
        print(__doc__)
        sys.exit(2)
    dirs = [args[1]] + ([args[3]] if len(args) == 4 else [])
    for d in dirs:
        os.makedirs(d, exist_ok=True)
    run(args[0], dirs)
    print("PASS")


if __name__ == "__main__":
    main()
