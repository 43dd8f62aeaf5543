#!/usr/bin/env bash
# The converged-budget experiments of issue 21 as two lanes, one per core (each run at one thread).
# Every step resumes where it stopped and skips what has finished; two lanes in one sweep share its
# runs (a run another process trains is left to it). A session starts both lanes again after
# `carry-experiments.mjs restore` (experiments/README.md) and they go on.
#   lane a: the teacher (60 epochs) → its model into examples/fashion-mnist-full/teacher-model →
#           the baselines sweep → the AdaIN sweep (both distil from that model) → FFSD → 120 epochs
#   lane b: the budget study (60, 30, 15 epochs) → the FFSD sweep (no teacher) → baselines → AdaIN
#           (once the teacher's model is there) → the 120-epoch check
# Run from /work/exp/main:  KD_THREADS=1 nohup bash experiments/lane.sh a > /work/exp/logs/lane-a.log 2>&1 &
set -euo pipefail
lane=${1:?usage: bash experiments/lane.sh a|b}
# The products as the sweeps began them (OpenBLAS; the addon's default on AVX2 CPUs is now kd's own
# GEMM, other bits): every run of a sweep keeps one numerics.
export KD_NATIVE_GEMM=${KD_NATIVE_GEMM:-openblas}
kd() { node apps/cli/dist/main.js "$@"; }
ex=examples/fashion-mnist-full
sweep() { kd sweep "$ex/$1.sweep.yaml" --jobs 1 --out "${KD_SWEEPS:-/work/exp/sweeps}"; }
case "$lane" in
  a)
    teacher=${KD_RUNS:-/work/exp/runs}/fashion-mnist-full-teacher
    kd run "$ex/teacher.yaml" --run-dir "$teacher"
    if [ ! -f "$ex/teacher-model/model.json" ]; then
      cp -r "$teacher/student" "$ex/teacher-model"
      echo "lane a: the teacher's model is in $ex/teacher-model: commit it to the repository (the configs name it)"
    fi
    sweep baselines
    sweep adain
    sweep ffsd
    sweep budget-120
    ;;
  b)
    sweep budget
    sweep ffsd
    if [ -f "$ex/teacher-model/model.json" ]; then
      sweep baselines
      sweep adain
    fi
    sweep budget-120
    ;;
  *) echo "usage: bash experiments/lane.sh a|b" >&2; exit 2 ;;
esac
echo "lane $lane: done"
