#!/bin/sh
# The float32 proof, one function at a time: every input of each function at its default
# numbers (each choice), against the references (double, then long double, then MPFR), one
# result file per function and tier, so a long sweep can stop and go on where it stopped.
#
#   tools/accuracy/sweep.sh OUTDIR TIER BACKWARD FUNCTION...
#
# TIER is exact or fast; BACKWARD 1 measures the backward from x too (files in TIER-backward).
# A function whose file exists is skipped. Each file is actfn-accuracy's --markdown table, with the date
# and commit in its first line; tools/accuracy/exhaustive.py merges them into the docs.
set -eu
out=$1 tier=$2 backward=$3
shift 3
build=${BUILD:-build}
dir=$tier
[ "$backward" = 1 ] && dir=$tier-backward
mkdir -p "$out/$dir"
for fn in "$@"; do
  f="$out/$dir/$fn.md"
  [ -s "$f" ] && continue
  extra=
  [ "$backward" = 1 ] || extra=--forward-only
  start=$(date +%s) commit=$(git rev-parse --short HEAD)
  "$build/actfn-accuracy" "$fn" --dtype f32 --exhaustive --defaults --accuracy "$tier" \
    $extra --markdown > "$f.part"
  { echo "<!-- $(date -u +%F) $commit $(( $(date +%s) - start ))s -->"
    cat "$f.part"; } > "$f"
  rm -f "$f.part"
  echo "$dir $fn: $(( $(date +%s) - start )) s"
done
