"""Per-op-type times of surgeon-shell against onnxruntime's profiler, model by model.

For each zoo model (dynamo export, or the names given as a comma-separated second argument):
our `profile` (run twice, the smaller total per op type; `profile` runs node by node, unfused)
and onnxruntime's per-node kernel times (1 thread, 6 runs, the smallest per node after the
first, summed per op type). Prints both totals and every op type where ours is above 0.3 ms
and above twice onnxruntime's by more than 0.3 ms. onnxruntime's op types are the ones after
its graph rewrites (Conv includes a fused Relu, FusedMatMul is not MatMul), so a flag is a
lead to follow with a single-node benchmark, not a measurement.

    /work/venv-torch/bin/python bench/optypes.py BINARY [MODEL,MODEL,...]
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort
B=sys.argv[1]; models=sys.argv[2].split(",") if len(sys.argv)>2 and sys.argv[2] else sorted(os.listdir("/work/zoo"))
for m in models:
    d=f"/work/zoo/{m}/dynamo"
    if not os.path.exists(d+"/model.onnx") or not os.path.exists(d+"/run.surgeon"): continue
    runline=[l for l in open(d+"/run.surgeon") if l.startswith("run ")]
    if not runline: continue
    args=runline[0][4:].strip()
    try:
        out=subprocess.run([B,"--plain","--threads","1"],input=f'load "{d}/model.onnx" as m\nprofile {args}\nprofile {args}\n',capture_output=True,text=True,timeout=300).stdout
    except Exception as e:
        print(m,"ours failed",e); continue
    ours=collections.defaultdict(list)
    for blk in out.split("by op type:")[1:]:
        for line in blk.splitlines()[1:]:
            if not line.strip(): break
            p=line.split()
            if len(p)>=4: ours[p[0]].append(float(p[2]))
    ours={k:min(v) for k,v in ours.items()}
    so=ort.SessionOptions(); so.intra_op_num_threads=1; so.enable_profiling=True; so.profile_file_prefix=os.path.join(tempfile.gettempdir(), "optypes")
    try:
        s=ort.InferenceSession(d+"/model.onnx",so,providers=["CPUExecutionProvider"])
        feeds={i.name:np.load(f"{d}/in_{i.name}.npy") for i in s.get_inputs()}
        for _ in range(6): s.run(None,feeds)
        p=s.end_profiling()
    except Exception as e:
        print(m,"ort failed",str(e)[:80]); continue
    ev=json.load(open(p)); os.remove(p)
    tot=collections.defaultdict(list)
    for e in ev:
        if e.get("cat")=="Node" and e["name"].endswith("_kernel_time"):
            tot[(e["name"],e["args"].get("op_name"))].append(e["dur"])
    byop=collections.defaultdict(float)
    for (n,op),v in tot.items(): byop[op]+=min(v[1:] or v)/1000
    flags=[]
    for op,t in ours.items():
        o=byop.get(op,0.0)
        if t>0.3 and t>2*o and t-o>0.3: flags.append(f"{op} {t:.2f}/{o:.2f}")
    print(f"{m:40s} ours {sum(ours.values()):8.2f} ort {sum(byop.values()):8.2f}  "+"; ".join(flags),flush=True)
