#!/usr/bin/env bash
# The whole test suite, as the README promises. The Kafka source builds librdkafka from source,
# which needs cmake and the curl headers: they are installed first when missing (Debian/Ubuntu).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v cmake >/dev/null || need+=(cmake)
if ! [ -f /usr/include/curl/curl.h ] && ! compgen -G '/usr/include/*/curl/curl.h' >/dev/null; then
  need+=(libcurl4-openssl-dev)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]} (librdkafka's build needs them)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "error: the tests need ${need[*]}; install them (apt-get install ${need[*]}) and rerun" >&2
    exit 1
  fi
fi

exec cargo test --workspace --all-features "$@"
