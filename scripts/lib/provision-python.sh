#!/usr/bin/env bash
# Provision a private CPython >= 3.14.2 into DEST on a Debian 12 (amd64) machine that has none.
#
# Debian 12 ships Python 3.11; Home Assistant 2026.3+ needs 3.14.2+. We take Debian testing's
# (else unstable's) own python3.14 binary packages from the mirror the machine already uses,
# resolve their whole dependency closure with a private apt state (empty dpkg status, so that
# the newer glibc comes along), unpack them into DEST and point the interpreter at DEST's own
# loader and libraries with patchelf. The system's packages are not touched (patchelf apart).
#
# usage: provision-python.sh DEST    prints the interpreter's path; a second run returns at once.
set -euo pipefail

dest=$(realpath -m "$1")
want=3.14.2
python=$dest/usr/bin/python3.14
libdir=$dest/usr/lib/x86_64-linux-gnu

say() { echo "provision-python: $*" >&2; }

usable() {
  [ -x "$python" ] && "$python" - <<'PY' 2>/dev/null
import sys, ssl, sqlite3, ctypes, zlib, lzma, bz2, uuid, decimal
raise SystemExit(0 if sys.version_info >= (3, 14, 2) else 1)
PY
}

if usable; then echo "$python"; exit 0; fi
[ "$(id -u)" -eq 0 ] || { say "needs root for apt-get"; exit 1; }
[ "$(dpkg --print-architecture)" = amd64 ] || { say "only amd64 is supported"; exit 1; }

mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
if [ -z "$mirror" ]; then
  mirror=$(grep -hE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -oE 'https?://[^[:space:]]+' | head -n1 || true)
fi
[ -n "$mirror" ] || { say "no Debian mirror configured in /etc/apt"; exit 1; }

state=$dest.apt
apt_in() {  # run apt with the private configuration
  APT_CONFIG=$state/apt.conf "$@"
}
prepare_suite() {
  rm -rf "$state"
  mkdir -p "$state/lists/partial" "$state/archives/partial"
  : >"$state/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $1 main" >"$state/sources.list"
  {
    echo "Dir::Etc::sourcelist \"$state/sources.list\";"
    echo 'Dir::Etc::sourceparts "/dev/null"; Dir::Etc::preferences "/dev/null"; Dir::Etc::preferencesparts "/dev/null";'
    echo "Dir::State::lists \"$state/lists\"; Dir::State::status \"$state/status\";"
    echo "Dir::Cache::archives \"$state/archives\";"
    echo 'APT::Architecture "amd64"; APT::Architectures { "amd64"; }; APT::Install-Recommends "false";'
  } >"$state/apt.conf"
  apt_in apt-get update -qq
}

suite_found=""
for suite in forky sid; do
  prepare_suite "$suite"
  version=$(apt_in apt-cache policy python3.14 | awk '/Candidate:/ {print $2}')
  if [ -n "$version" ] && [ "$version" != "(none)" ] && dpkg --compare-versions "$version" ge "$want"; then
    suite_found=$suite
    say "python3.14 $version from $suite"
    break
  fi
done
[ -n "$suite_found" ] || { say "no Debian suite offers python3.14 >= $want"; exit 1; }

# libpython3.14-dev: headers for the few sdists without a cp314 wheel (scripts/lib/ha_requirements.py).
apt_in apt-get install -y -qq --download-only python3.14 python3.14-venv libpython3.14-dev >/dev/null
rm -rf "$dest" && mkdir -p "$dest"
for deb in "$state"/archives/*.deb; do dpkg-deb -x "$deb" "$dest"; done
rm -rf "$state"

if ! command -v patchelf >/dev/null 2>&1; then
  say "installing patchelf"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf >/dev/null
fi
# DT_RPATH (not RUNPATH) so that extension modules and wheels' libraries load the private glibc too.
patchelf --set-interpreter "$libdir/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$libdir" "$python"
usable || { say "the unpacked interpreter does not run"; exit 1; }
echo "$python"
