#!/usr/bin/env bash
# What one GPU does with packs of grokking runs, with nothing but Python and torch (no groksweep
# jar, no downloads): runs/hour at p = 113 for pack sizes 1, 8, 32, 128 and 512, peak GPU memory,
# the float64 replay of one run on the GPU against the CPU, and packed-versus-alone on the GPU.
# Planned to take a few minutes on one data-centre GPU (not yet run on one). Needs only bench/reference/
# of this repository.
#
#   bench/gpu-check.sh                     # PYTHON=python3.12 bench/gpu-check.sh to pick the interpreter
#   bench/gpu-check.sh --packs 1,64 --steps 100
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
exec "$PYTHON" "$HERE/reference/gpu_check.py" "$@"
