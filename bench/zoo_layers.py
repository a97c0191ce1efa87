#!/usr/bin/env python3
"""Find where surgeon-shell starts to differ from onnxruntime inside one zoo case.

    python bench/zoo_layers.py /work/zoo/bert/dynamo [--no-opt] [--binary PATH] [--all]

Exposes every node output of the case's model.onnx in onnxruntime, runs surgeon-shell with
`inspect all` on the case's inputs (in_*.npy written by zoo.py), exports every node output, and
prints per node: op, output, max error relative to that output's scale, and the fraction of
elements that differ. By default it stops after the first few nodes above the tolerance.
--no-opt disables onnxruntime's graph optimizations (fusions change rounding).
--float16-semantics compares a float16 model with the graph's exact float16 semantics instead
of onnxruntime (every float16 node output rounded; see float16_references in zoo.py), since
onnxruntime keeps chains of float16 nodes in float32.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoo import default_binary, float16_references, quote  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", help="a zoo case folder with model.onnx and in_*.npy")
    ap.add_argument("--binary", default=default_binary())
    ap.add_argument("--no-opt", action="store_true")
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--all", action="store_true", help="print every node")
    ap.add_argument("--float16-semantics", action="store_true",
                    help="reference: every float16 node output rounded (not onnxruntime)")
    a = ap.parse_args()

    path = os.path.join(a.case, "model.onnx")
    model = onnx.load(path)
    nodes = [(o, n.op_type) for n in model.graph.node for o in n.output if o]
    have = {o.name for o in model.graph.output}
    for o, _ in nodes:
        if o not in have:
            model.graph.output.append(onnx.ValueInfoProto(name=o))
    so = ort.SessionOptions()
    so.log_severity_level = 3
    if a.no_opt:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    feeds = {}
    for f in glob.glob(os.path.join(a.case, "in_*.npy")):
        feeds[os.path.basename(f)[3:-4]] = np.load(f)
    refs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
    if a.float16_semantics:
        graph_outs = [o.name for o in onnx.load(path, load_external_data=False).graph.output]
        rounded, _ = float16_references(path, feeds, expose=[o for o, _ in nodes])
        exact = dict(zip(graph_outs + [o for o, _ in nodes if o not in graph_outs], rounded))
        refs = {k: exact[k].astype(v.dtype) if k in exact else v for k, v in refs.items()}

    with tempfile.TemporaryDirectory() as tmp:
        script = f"load {quote(path)} as m\ninspect all\nrun " + " ".join(
            f"{quote(k)}=load({quote(os.path.join(a.case, f'in_{k}.npy'))})" for k in feeds) + "\n"
        for i, (o, _) in enumerate(nodes):
            script += f"export out[{quote(o)}] {quote(os.path.join(tmp, f'{i}.npy'))}\n"
        p = subprocess.run([a.binary], input=script, text=True, capture_output=True)
        errs = [ln for ln in p.stderr.splitlines() if "error" in ln]
        if errs:
            print("surgeon-shell:", errs[0])
        bad = 0
        for i, (o, op) in enumerate(nodes):
            f = os.path.join(tmp, f"{i}.npy")
            if o not in refs or not os.path.exists(f):
                print(f"{i:5d} {op:22s} {o[:48]:48s} (not available)")
                continue
            r, x = refs[o], np.load(f)
            if r.shape != x.shape:
                msg, fail = f"shape {list(x.shape)} != {list(r.shape)}", True
            elif r.dtype.kind == "f":
                d = np.abs(np.nan_to_num(r.astype(np.float64)) - np.nan_to_num(x.astype(np.float64)))
                scale = float(np.abs(np.nan_to_num(r.astype(np.float64))).max()) if r.size else 0.0
                rel = float(d.max()) / scale if r.size and scale > 0 else float(d.max()) if r.size else 0.0
                msg = f"{str(r.dtype):8s} rel={rel:.2e} differ={(d > 0).mean() if r.size else 0:.2f}"
                fail = rel > a.rtol
            else:
                fail = not np.array_equal(r, x)
                msg = f"{str(r.dtype):8s} {'DIFFERENT' if fail else 'equal'}"
            if a.all or fail:
                print(f"{i:5d} {op:22s} {o[:48]:48s} {msg}")
            bad += fail
            if fail and not a.all and bad >= 5:
                print("... (stopping; --all prints every node)")
                break
        if not bad:
            print("every node output matches")


if __name__ == "__main__":
    main()
