#!/usr/bin/env bash
# Installs what socius needs and is missing, then returns quickly on later runs:
#   - Debian packages for the C++ libraries (apt-get; needs root or sudo),
#   - Python packages listed in pyproject.toml (runtime and test dependencies, via pip),
#   - build tools from pip (cmake, ninja, pybind11, scikit-build-core) if absent.
# It changes nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
DEB_PACKAGES=(g++ make pkg-config libtbb-dev libhdf5-dev catch2 libbenchmark-dev)
# MPI for mpi4py (sweeps on MPI; the tests run one under mpiexec).
DEB_PACKAGES+=(libopenmpi-dev openmpi-bin)
# chromium: the report test renders the HTML report headless, as a reader would see it.
DEB_PACKAGES+=(chromium)
DEB_PACKAGES+=(${SOCIUS_EXTRA_DEB:-})

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Python requirements: read from pyproject.toml (one list to maintain), install only what is
# missing or too old.
"$PYTHON" - <<'PY'
import subprocess, sys, tomllib
from importlib import metadata

with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)
wanted = list(project["project"]["dependencies"])
wanted += project["project"]["optional-dependencies"]["test"]
wanted += project["build-system"]["requires"] + ["cmake>=3.21", "ninja"]

def satisfied(req: str) -> bool:
    from packaging.requirements import Requirement
    r = Requirement(req)
    try:
        return r.specifier.contains(metadata.version(r.name), prereleases=True)
    except metadata.PackageNotFoundError:
        return False

try:
    import packaging  # noqa: F401
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "packaging"])
missing = [r for r in wanted if not satisfied(r)]
if missing:
    print("bootstrap: installing Python packages:", " ".join(missing), file=sys.stderr)
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *missing])
PY
