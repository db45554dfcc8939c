#!/usr/bin/env bash
# ThreadSanitizer run of the C++ suite. Debian's oneTBB is not built with ThreadSanitizer, so the
# synchronisation inside libtbb.so is invisible to it and it reports false races in every task
# hand-off. This script builds oneTBB 2021.8 (Debian's own source package) with
# -fsanitize=thread into /opt/tbb-tsan once, then builds the `tsan` preset against it and runs
# the tests (without the long steady-state and calibration runs). About 15 minutes on 2 cores
# the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${TBB_TSAN_PREFIX:-/opt/tbb-tsan}
if [ ! -f "$PREFIX/lib/cmake/TBB/TBBConfig.cmake" ]; then
  work=$(mktemp -d)
  if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      > /etc/apt/sources.list.d/socius-src.sources
    apt-get update -qq
  fi
  (cd "$work" && apt-get source -qq --download-only onetbb && tar xf onetbb_*.orig.tar.xz)
  src=$(ls -d "$work"/oneTBB-*/)
  cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTBB_TEST=OFF \
        -DTBB_SANITIZE=thread -DTBB_STRICT=OFF -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_POLICY_VERSION_MINIMUM=3.5
  cmake --build "$work/build"
  cmake --install "$work/build"
  rm -rf "$work"
fi
test -f build/tsan/build.ninja || cmake --preset tsan -DTBB_DIR="$PREFIX/lib/cmake/TBB"
cmake --build --preset tsan
LD_LIBRARY_PATH="$PREFIX/lib" ctest --preset tsan -j2 -E "steady state|lands near the UK|virtual trial at|, measured|reorganisation disrupts"
