#!/usr/bin/env bash
# Installs every Debian 12 package shardwire needs to build, test, demo and benchmark,
# and the npm packages of the client conformance tests (tests/integration/clients/node).
# Idempotent: packages already present are skipped, so a warm machine pays ~1 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PKGS=(
  build-essential g++ cmake ninja-build ccache pkg-config make
  libboost1.81-dev libboost-system1.81-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev prometheus-cpp-dev catch2 libssl-dev libsodium-dev libcrypt-dev openssl
  libmariadb-dev
  mariadb-server mariadb-client mariadb-backup
  sysbench python3-pymysql python3-mysqldb python3-cryptography
  procps psmisc netcat-openbsd curl
  python3-yaml prometheus
  libdbd-mariadb-perl libmariadb-java
  clang-16 libclang-rt-16-dev llvm-16
)
# python3-yaml and prometheus (for promtool): tests/packaging/validate.sh checks docker/
# without a Docker engine; the prometheus service itself is never started.
# clang-16 + libclang-rt-16-dev: libFuzzer and its sanitizer runtimes for tests/fuzz/
# (`make fuzz`); llvm-16 for llvm-symbolizer (stack traces of crashes it finds).
# Client tests (docs/clients.md): a JDK for Connector/J only when there is no javac, and
# Node.js/npm only when missing (a node installed another way is kept as it is).
command -v javac >/dev/null 2>&1 || PKGS+=(default-jdk-headless)
{ command -v node && command -v npm; } >/dev/null 2>&1 || PKGS+=(nodejs npm)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: installing ${missing[*]}"
  # Debian's policy-rc.d on these machines keeps mariadb from auto-starting; we start
  # mariadbd ourselves from scripts/cluster.sh.
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done"
fi

# npm packages of the Node.js client tests (exact versions from package-lock.json;
# nothing to do when node_modules/ was installed from the same lock file).
bash tests/integration/clients/node/ensure-deps.sh
