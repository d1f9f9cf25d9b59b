#!/usr/bin/env bash
# Issue 5's learning benchmark, reproducible: Concord's adaptive models against the oracle,
# Vowpal Wabbit (--cb_explore_adf) and MABWiser LinUCB on the same simulated stream, throughput
# against VW's examples/s, and churn AUC on shared/data against scikit-learn's logistic regression.
# Arguments go to `concord bench learn` (defaults: --decisions 500000 --actions 24 --batch 1000),
# e.g. `scripts/bench/learn.sh --decisions 100000 --json`.
# The peers run in .venv at the repository root (git-ignored), created and filled when missing;
# PYTHON=/path/to/python uses another interpreter that already has them.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${PYTHON:-}" ]; then
  if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv for the peers" >&2
    python3 -m venv .venv
  fi
  PYTHON=.venv/bin/python
fi
if ! "$PYTHON" -c "import vowpalwabbit, mabwiser, sklearn, numpy, pandas" 2>/dev/null; then
  echo "== installing the peers into $PYTHON's environment" >&2
  "$PYTHON" -m pip install --quiet vowpalwabbit mabwiser scikit-learn numpy pandas
fi

cargo build --release -p concord >&2
./target/release/concord bench learn --peers "$PYTHON" "$@"
