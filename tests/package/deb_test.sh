#!/usr/bin/env bash
# tests/package/deb_test.sh — the .deb as a user gets it: builds it with
# CPack from a built tree, installs it with dpkg, runs the installed binary
# (--version, one order), checks the package's fields and files and the
# systemd unit (systemd-analyze verify, where it can run; and always the
# unit's ExecStart run by hand as an unprivileged user in a temporary state
# directory: it starts, answers GET /health, stops on SIGTERM with status
# 0), then purges the package and removes its temporary files.
#   deb_test.sh BUILD_DIR
# Skips (exit 77) unless it runs as root with dpkg, dpkg-shlibdeps, cpack,
# setpriv and python3, and when an order-node package, /usr/bin/order-node
# or the service's state directory is on the machine already (they would
# be replaced, then removed). CTest test `deb`.
set -euo pipefail
build=$(cd "$1" && pwd)

skip() {
  echo "SKIP: $*"
  exit 77
}
[ "$(id -u)" -eq 0 ] || skip "not root: dpkg -i needs root (CI runs as root)"
for tool in dpkg dpkg-deb dpkg-shlibdeps cpack setpriv python3 timeout; do
  command -v "$tool" >/dev/null || skip "$tool is missing"
done
status=$(dpkg-query -W -f='${db:Status-Status}' order-node 2>/dev/null || true)
if [ -n "$status" ] && [ "$status" != not-installed ]; then
  skip "the order-node package is on this machine ($status)"
fi
[ -e /usr/bin/order-node ] && skip "/usr/bin/order-node exists"
# The purge deletes the service's state directory: never someone's journal.
for d in /var/lib/order-node /var/lib/private/order-node; do
  [ -e "$d" ] && skip "$d exists"
done

tmp=$(mktemp -d /tmp/order-node-deb.XXXXXX)
installed=no
node_pid=
cleanup() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -KILL "$node_pid" 2>/dev/null || true
  fi
  if [ "$installed" = yes ]; then
    dpkg --purge order-node >/dev/null || echo "FAIL: dpkg --purge order-node"
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  exit 1
}
step() { echo "-- $*"; }

step "cpack -G DEB"
[ -x "$build/order-node" ] || fail "$build/order-node is not built"
# The build's CPack config, but installing with the build's install script
# instead of CPack's project install: that one first runs the `preinstall`
# target, a build of `all`, which must not relink what the tests beside
# this one run (nor start a long build in an unbuilt tree).
cat >"$tmp/cpack.cmake" <<EOF
include("$build/CPackConfig.cmake")
set(CPACK_INSTALL_CMAKE_PROJECTS "")
set(CPACK_INSTALL_SCRIPTS "$build/cmake_install.cmake")
EOF
timeout 180 cpack -G DEB --config "$tmp/cpack.cmake" -B "$tmp/pkg" \
  >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; fail "cpack"; }
deb=$(ls "$tmp"/pkg/order-node_*.deb)
version=$(dpkg-deb -f "$deb" Version)
depends=$(dpkg-deb -f "$deb" Depends)
echo "$(basename "$deb"): Version $version; Depends: $depends"
[ "$(dpkg-deb -f "$deb" Package)" = order-node ] || fail "package name"
[ -n "$(dpkg-deb -f "$deb" Maintainer)" ] || fail "no Maintainer"
for lib in libc6 libcaf-core libspdlog libsqlite3 libssl; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib (shlibdeps)"
done

step "dpkg -i"
installed=yes
timeout 120 dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || {
  cat "$tmp/dpkg.log"
  fail "dpkg -i"
}
unit=/usr/lib/systemd/system/order-node.service
for f in /usr/bin/order-node "$unit" /etc/order-node/order-node.conf \
  /usr/share/doc/order-node/README.md /usr/share/doc/order-node/docs/http.md; do
  [ -f "$f" ] || fail "$f not installed"
done
dpkg-query -W -f='${Conffiles}\n' order-node \
  | grep -q '^ /etc/order-node/order-node.conf ' \
  || fail "/etc/order-node/order-node.conf is not a conffile"

step "order-node --version"
line=$(timeout 10 /usr/bin/order-node --version)
echo "$line"
[[ "$line" =~ ^order-node\ ${version//./\\.}(\ \(git\ [0-9A-Za-z._-]+\))?$ ]] \
  || fail "--version printed '$line', expected order-node $version"

step "one order through the installed binary"
mkdir "$tmp/script"
result=$(cd "$tmp/script" && printf 'order userId=u productId=p quantity=1 amount=1 weight=1 destination=X\n' \
  | timeout 30 /usr/bin/order-node --seed=7 --http=off --journal=off 2>"$tmp/script.err") \
  || { cat "$tmp/script.err"; fail "the order's script exited $?"; }
echo "$result"
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["orderId"].startswith("ORD_") and r["status"] in ("confirmed","failed"), r' \
  "$result" || fail "not an order's result: $result"

if command -v systemd-analyze >/dev/null; then
  step "systemd-analyze verify"
  # Offline (no systemd running here) it still parses the unit and checks
  # its directives and that ExecStart's binary exists.
  timeout 30 systemd-analyze verify "$unit" >"$tmp/verify.log" 2>&1 || {
    cat "$tmp/verify.log"
    fail "systemd-analyze verify $unit"
  }
  if [ -s "$tmp/verify.log" ]; then
    cat "$tmp/verify.log"
    fail "systemd-analyze verify reported something"
  fi
fi

step "the unit's ExecStart by hand, as an unprivileged user"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
workdir=$(sed -n 's/^WorkingDirectory=//p' "$unit")
[ "$exec_start" = "/usr/bin/order-node --repl=off --config-file=/etc/order-node/order-node.conf" ] \
  || fail "ExecStart is '$exec_start'"
[ "$workdir" = /var/lib/order-node ] || fail "WorkingDirectory is '$workdir'"
grep -qx 'StateDirectory=order-node' "$unit" || fail "no StateDirectory"
# A uid of systemd's DynamicUser range that no account holds.
uid=61184
while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do
  uid=$((uid + 1))
done
chmod 755 "$tmp"
state="$tmp/state" # stands for /var/lib/order-node
mkdir -m 750 "$state"
chown "$uid:$uid" "$state"
# The unit's command line as it is, with a free port instead of the
# config's 9080 (the command line overrides the config file).
read -r -a argv <<<"$exec_start"
(cd "$state" && exec setpriv --reuid="$uid" --regid="$uid" --clear-groups \
  --no-new-privs env -i PATH=/usr/bin:/bin "${argv[@]}" --http=127.0.0.1:0) \
  </dev/null >"$tmp/node.out" 2>"$tmp/node.err" &
node_pid=$!
port=
for _ in $(seq 150); do # 15 s
  port=$(sed -n 's/.* http: listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
    "$tmp/node.err" | head -1)
  [ -n "$port" ] && break
  kill -0 "$node_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/node.err"; fail "the service did not start"; }
python3 - "$port" <<'EOF' || { cat "$tmp/node.err"; fail "GET /health"; }
import json, sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health",
                            timeout=10) as r:
    body = json.load(r)
    assert r.status == 200 and body["status"] == "ok", body
    print("GET /health:", body)
EOF
kill -TERM "$node_pid"
rc=
for _ in $(seq 150); do # 15 s
  if ! kill -0 "$node_pid" 2>/dev/null; then
    wait "$node_pid" && rc=0 || rc=$?
    break
  fi
  sleep 0.1
done
node_pid_done=$node_pid
node_pid=
[ -n "$rc" ] || { kill -KILL "$node_pid_done"; fail "no exit 15 s after SIGTERM"; }
[ "$rc" -eq 0 ] || { cat "$tmp/node.err"; fail "exit status $rc after SIGTERM"; }
grep -q ' info order-node stopped' "$tmp/node.err" \
  || { cat "$tmp/node.err"; fail "no 'order-node stopped' line"; }
[ -f "$state/order-node.journal" ] \
  || fail "no journal in the working (state) directory"
[ "$(stat -c %u "$state/order-node.journal")" = "$uid" ] \
  || fail "the journal does not belong to the service's user"

step "dpkg --purge"
installed=no
timeout 120 dpkg --purge order-node >"$tmp/purge.log" 2>&1 || {
  cat "$tmp/purge.log"
  fail "dpkg --purge"
}
for f in /usr/bin/order-node "$unit" /etc/order-node; do
  [ ! -e "$f" ] || fail "$f is left after the purge"
done
echo "PASS"
