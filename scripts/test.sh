#!/usr/bin/env bash
# The whole test suite, as the README promises. The Kafka source builds librdkafka from source,
# which needs cmake and the curl headers: they are installed first when missing (Debian/Ubuntu);
# the model export test needs Python's pdstools, installed into .venv when missing.
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

# pdstools (PyPI) reads Concord's model export in crates/concord/tests/export_pdstools.rs: a
# venv at .venv (git-ignored) holds it.
if ! .venv/bin/python -c "import pdstools, numpy" 2>/dev/null; then
  echo "== making .venv with pdstools 5.x and numpy (the model export test reads Concord's export with it)"
  if ! python3 -m venv .venv 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
    fi
    python3 -m venv .venv
  fi
  # pdstools computes AUC from bin counts with numpy, which it does not itself require.
  .venv/bin/pip install -q "pdstools>=5,<6" numpy
fi
export CONCORD_PYTHON="$PWD/.venv/bin/python"

exec cargo test --workspace --all-features "$@"
