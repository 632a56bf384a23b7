#!/usr/bin/env bash
# Installs the Debian packages needed to build, run and test order-service
# (DESIGN: nothing is vendored). Quiet and idempotent: when every package is
# already installed it prints nothing and does not touch apt. When something
# is missing it runs `apt-get update` once and installs only what is missing,
# through sudo when not root; without root or sudo it names the packages and
# exits 1.
#   -q  print nothing on success even when packages were installed
set -euo pipefail

packages=(
	build-essential cmake pkg-config
	librdkafka-dev libpq-dev libh2o-evloop-dev libyajl-dev
	libcurl4-openssl-dev libcmocka-dev libssl-dev zlib1g-dev
	postgresql postgresql-contrib
	kcat wrk curl jq yq openssl valgrind linux-perf
	libjwt-dev clang clang-format libclang-rt-14-dev
	prometheus chromium default-jre-headless maven
	python3 python3-venv python3-pip python3-yaml
)
# npm (the documentation assets and the browser test's driver) may come with
# a nodejs that is not Debian's; Debian's own pair only when there is none.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

quiet=0
if [ "${1:-}" = "-q" ]; then quiet=1; fi

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	if [ "$status" != "install ok installed" ]; then missing+=("$p"); fi
done

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	echo "install-deps: missing packages (need root or sudo to install):" >&2
	echo "  apt-get install ${missing[*]}" >&2
	exit 1
fi

[ $quiet -eq 1 ] || echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
