# bench/lib.sh — what the bench scripts share: installs what they need,
# builds order-node in Release and says which machine this is (on stderr).
# Source it from the repository's root; sets $bin.
bash .ci/install-deps
command -v /usr/bin/time >/dev/null || apt-get install -y -q time >/dev/null
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j2 --target order-node >/dev/null
bin=$PWD/build/release/order-node
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB," \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
