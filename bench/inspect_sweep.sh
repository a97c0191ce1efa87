#!/bin/bash
# Each value of a zoo model inspected alone: `inspect off`, `inspect "NAME"`, `run` on the zoo
# input, for up to MAX node outputs evenly spaced over the graph, in one surgeon-shell process;
# prints the number of values and of errors (and the first few errors). `inspect NAME` runs the
# fused plan with that value kept, so every fusion meets a kept value somewhere (`inspect all`
# runs the graph as written and does not). Needs a zoo made by bench/zoo.py.
#
#   bench/inspect_sweep.sh BINARY MODEL [MAX]     e.g. .build/release/surgeon-shell resnet18_qdq 80
#   ZOO (default /work/zoo), EXPORT (dynamo or legacy), PYTHON (a Python with onnx), SHOW (errors shown)
set -u
B=$1; m=$2; MAX=${3:-100000}
f=${ZOO:-/work/zoo}/$m/${EXPORT:-dynamo}
PY=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
inputs=$(ls "$f"/in_*.npy | while read -r p; do n=$(basename "$p" .npy); n=${n#in_}; echo -n "$n=load(\"$p\") "; done)
"$PY" - "$f/model.onnx" "$MAX" > "$tmp/names.txt" <<'PY'
import onnx, sys
m = onnx.load(sys.argv[1], load_external_data=False)
names = [o for n in m.graph.node if n.op_type != "Constant" for o in n.output if o]
step = max(1, len(names) // int(sys.argv[2]))
for o in names[::step]: print(o)
PY
{ echo "load $f/model.onnx"; while read -r n; do echo "inspect off"; echo "inspect \"$n\""; echo "run $inputs"; done < "$tmp/names.txt"; } > "$tmp/sweep.surgeon"
"$B" --threads 1 < "$tmp/sweep.surgeon" 2> "$tmp/err.txt" > /dev/null
echo "$m: $(wc -l < "$tmp/names.txt") names, $(grep -c error "$tmp/err.txt") errors"
grep error "$tmp/err.txt" | head -"${SHOW:-3}"
