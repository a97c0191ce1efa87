#!/usr/bin/env python3
"""Latency of surgeon-shell against onnxruntime and PyTorch eager on the same inputs.

For each model, in `--rounds` interleaved rounds: our release binary runs `bench runs=N`
(timed inside our process, after warm-up), onnxruntime runs N InferenceSession.run calls and,
for zoo models that bench/zoo.py can rebuild, the PyTorch module runs N eager calls; all with
the same thread count. Then `inspect all` + `bench` once, and load times. Prints medians,
ratios (ours / ort: the median of the per-round ratios), our load time against onnxruntime's
session creation, peak RSS, and `cut` / `save` times on BERT-base when it is there.

Run with a Python that has onnxruntime and onnx (e.g. /work/venv-torch/bin/python); see
bench/README.md.
"""
import argparse
import glob
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(ROOT, ".build", "release", "surgeon-shell")

NP_TYPES = {
    onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.DOUBLE: np.float64,
    onnx.TensorProto.FLOAT16: np.float16, onnx.TensorProto.INT64: np.int64,
    onnx.TensorProto.INT32: np.int32, onnx.TensorProto.INT8: np.int8,
    onnx.TensorProto.UINT8: np.uint8, onnx.TensorProto.BOOL: np.bool_,
}


BERT_BASE = "/work/big-models/bert-base-legacy.onnx"


def default_models(zoo_root, exporters):
    files = sorted(glob.glob("/work/big-models/resnet18-*.onnx")) + sorted(glob.glob("/work/big-models/bert-tiny-*.onnx"))
    files += sorted(glob.glob("/work/big-models/bert-base-*.onnx"))
    for exp in exporters:
        files += sorted(glob.glob(os.path.join(zoo_root, "*", exp, "model.onnx")))
    return files


def label(path):
    """`resnet18/dynamo` for zoo files, the file stem otherwise."""
    parts = os.path.normpath(path).split(os.sep)
    if parts[-1] == "model.onnx" and len(parts) >= 3:
        return f"{parts[-3]}/{parts[-2]}"
    return os.path.splitext(parts[-1])[0]


def make_inputs(path, tmpdir, seed=0):
    """One array per graph input: the zoo's in_NAME.npy when present, generated otherwise.
    Returns [(name, npy path)] in graph order."""
    model = onnx.load(path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    rng = np.random.default_rng(seed)
    here = os.path.dirname(path)
    out = []
    for i, vi in enumerate(x for x in model.graph.input if x.name not in inits):
        given = os.path.join(here, f"in_{vi.name}.npy")
        if os.path.exists(given):
            out.append((vi.name, given))
            continue
        tt = vi.type.tensor_type
        shape = []
        for a, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value"):
                shape.append(d.dim_value)
            else:
                shape.append(1 if a == 0 else 16)
        dtype = NP_TYPES.get(tt.elem_type, np.float32)
        lname = vi.name.lower()
        if np.issubdtype(dtype, np.floating):
            arr = rng.standard_normal(shape).astype(dtype)
        elif dtype == np.bool_:
            arr = np.ones(shape, dtype=bool)
        elif "mask" in lname:
            arr = np.ones(shape, dtype=dtype)
        elif "token_type" in lname or "segment" in lname:
            arr = np.zeros(shape, dtype=dtype)
        elif "position" in lname:
            arr = np.broadcast_to(np.arange(shape[-1] if shape else 1), shape).astype(dtype)
        else:
            arr = rng.integers(0, 100, size=shape).astype(dtype)
        p = os.path.join(tmpdir, f"{abs(hash(path))}_{i}.npy")
        np.save(p, arr)
        out.append((vi.name, p))
    return out


def run_child(cmd, script, timeout):
    """Runs cmd with `script` on stdin; returns (stdout, stderr, wall seconds, exit status)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        try:
            out, _ = p.communicate(script.encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            return "", "timeout", float("nan"), -1
        wall = time.perf_counter() - t0
        err.seek(0)
        return out.decode(errors="replace"), err.read().decode(errors="replace"), wall, p.returncode


def parse_medians(text):
    return [float(m) for m in re.findall(r"median ([0-9.]+) ms", text)]


def feed_text(feeds):
    return " ".join(f'"{n}"=load("{p}")' for n, p in feeds)


UNITS = {"B": 1 / 2**20, "KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "TiB": 2**20}


def code_mb(text):
    """The resident program code and libraries `set memory` reports (MB), or None."""
    m = re.search(r"program code and libraries ([0-9.]+) (\w+)", text)
    return float(m.group(1)) * UNITS.get(m.group(2), float("nan")) if m else None


def ours(binary, path, feeds, runs, threads, timeout, inspect=False):
    """One surgeon-shell process: load, (inspect all), bench, `set memory`. Returns (median ms,
    peak RSS MB, resident code and libraries MB at the end, error)."""
    script = (f'load "{path}" as m\n' + ("inspect all\n" if inspect else "")
              + f"bench runs={runs} warmup=2 {feed_text(feeds)}\nset memory\n")
    timed = os.path.exists("/usr/bin/time")
    # /usr/bin/time -f %M reports this child's own peak RSS (getrusage(RUSAGE_CHILDREN) would
    # give the maximum over every child so far).
    cmd = (["/usr/bin/time", "-f", "MAXRSS_KB %M"] if timed else []) + [binary, "--threads", str(threads)]
    out, err, _, rc = run_child(cmd, script, timeout)
    med = parse_medians(out)
    rss = re.search(r"MAXRSS_KB (\d+)", err)
    error = None
    if not med:
        lines = [l for l in (out + "\n" + err).splitlines() if l.strip() and not l.startswith("MAXRSS")]
        error = (lines[-1] if lines else f"exit {rc}")[:70]
    return (med[0] if med else None), (int(rss.group(1)) / 1024 if rss else None), code_mb(out), error


def inspect_ratio(binary, path, feeds, runs, threads, timeout, rounds=3):
    """inspect all / plain in one process: `rounds` pairs of plain and inspect-all benches,
    alternating so both see the same machine load; the median of the pairs' ratios."""
    bench = f"bench runs={runs} warmup=2 {feed_text(feeds)}\n"
    script = f'load "{path}" as m\n' + (bench + "inspect all\n" + bench + "inspect off\n") * rounds
    out, _, _, _ = run_child([binary, "--threads", str(threads)], script, timeout)
    med = parse_medians(out)
    if len(med) != 2 * rounds:
        return None
    return statistics.median(med[2 * k + 1] / med[2 * k] for k in range(rounds))


def timed_command(binary, threads, timeout, setup, command, repeats=3):
    """Median over `repeats` processes of `time COMMAND` measured inside surgeon-shell (after
    the `setup` script), in ms; None when it fails."""
    ts = []
    for _ in range(repeats):
        out, _, _, rc = run_child([binary, "--threads", str(threads)], setup + f"time {command}\n", timeout)
        found = re.findall(r"^time: ([0-9.]+) ms$", out, re.M)
        if rc != 0 or not found:
            return None
        ts.append(float(found[-1]))
    return statistics.median(ts)


def load_time(binary, path, threads, timeout, warm_model=None, repeats=3):
    """Median time of `load`, in ms. With `warm_model`: one surgeon-shell process loads that
    other file, then `path` `repeats` times (as m1, m2, ...), the median of those loads: the
    protocol of `ort_session`, which times `repeats` creations of the model's session in one
    process after a first session of another model. So neither engine counts the one-time
    set-up of the process (op registry, protobuf and Swift runtime metadata, code pages: about
    0.8 ms), and both count the first-use cost of the model's own op types once in `repeats`
    (until 2026-11-29 ours was `repeats` processes with one load each, so it counted that cost
    in every load and onnxruntime's in one of three). Without it: the median over `repeats`
    fresh processes of the first load (the `cold ms` column)."""
    if not warm_model:
        return timed_command(binary, threads, timeout, "", f'load "{path}" as m', repeats)
    script = f'load "{warm_model}" as warm\n' + "".join(f'time load "{path}" as m{i + 1}\n' for i in range(repeats))
    out, _, _, rc = run_child([binary, "--threads", str(threads)], script, timeout)
    found = re.findall(r"^time: ([0-9.]+) ms$", out, re.M)
    if rc != 0 or len(found) != repeats:
        return None
    return statistics.median(float(t) for t in found)


def write_warm_model(binary, threads, timeout, folder):
    """A small ONNX file (the built-in demo model, saved by our binary) loaded before the timed
    `load` so both engines are timed warm; None when it cannot be written."""
    out = os.path.join(folder, "warm.onnx")
    _, _, _, rc = run_child([binary, "--threads", str(threads)], f'save "{out}"\n', timeout)
    return out if rc == 0 and os.path.exists(out) else None


def torch_module(path, feeds, threads):
    """(callable, note) running the zoo's PyTorch module on the same inputs, or (None, why)."""
    parts = os.path.normpath(path).split(os.sep)
    if parts[-1] != "model.onnx" or len(parts) < 3:
        return None, ""
    name = parts[-3]
    try:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import zoo  # noqa: PLC0415 - only when torch is wanted
        import torch  # noqa: PLC0415
    except Exception as e:  # noqa: BLE001
        return None, f"torch: {str(e)[:40]}"
    spec = zoo.MODELS.get(name)
    if spec is None:
        return None, ""
    if spec.quantize:
        return None, ""  # onnxruntime's quantization has no eager counterpart
    torch.set_num_threads(threads)
    model, inputs = spec.make(run=True)
    given = {n: torch.from_numpy(np.load(p)) for n, p in feeds}
    args = []
    for k, v in inputs.items():
        args.append(given.get(k, v))

    def call():
        with torch.inference_mode():
            model(*args)
    return call, ""


def time_calls(fn, runs, warmup=2):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1000)
    return statistics.median(ts)


def ort_session(path, threads, repeats=1):
    """(session, creation ms: the median of `repeats` creations). The bench creates one session
    before the first model (`warm_ort`), so every creation timed here is warm: onnxruntime's
    first session in a process costs about 4 ms more (environment, kernel registries)."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    times, sess = [], None
    for _ in range(repeats):
        sess = None
        t0 = time.perf_counter()
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        times.append((time.perf_counter() - t0) * 1000)
    return sess, statistics.median(times)


def cut_save_times(binary, path, threads, timeout, cut_spec, repeats=5):
    """(cut ms, save ms): `time cut` / `time save` inside surgeon-shell after a load."""
    load = f'load "{path}" as m\n'
    cut = timed_command(binary, threads, timeout, load, f"cut {cut_spec}", repeats)
    with tempfile.TemporaryDirectory() as d:
        save = timed_command(binary, threads, timeout, load, f'save "{os.path.join(d, "saved.onnx")}"', repeats)
    return cut, save


ITEMSIZE = {onnx.TensorProto.FLOAT: 4, onnx.TensorProto.DOUBLE: 8, onnx.TensorProto.FLOAT16: 2,
            onnx.TensorProto.BFLOAT16: 2, onnx.TensorProto.INT64: 8, onnx.TensorProto.INT32: 4,
            onnx.TensorProto.INT16: 2, onnx.TensorProto.UINT16: 2, onnx.TensorProto.INT8: 1,
            onnx.TensorProto.UINT8: 1, onnx.TensorProto.BOOL: 1}


def actual_sizes(path, feeds):
    """Bytes of every top-level node output in one onnxruntime run on the feeds (all of them
    made graph outputs, graph optimisations off so every value exists): the sizes shape
    inference cannot give (data-dependent shapes: detection models' NMS, their subgraphs)."""
    model = onnx.load(path)
    g = model.graph
    have = {o.name for o in g.output}
    for node in g.node:
        for y in node.output:
            if y and y not in have:
                g.output.append(onnx.ValueInfoProto(name=y))
                have.add(y)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    outs = sess.run(None, {n: np.load(p) for n, p in feeds})
    return {o.name: int(getattr(v, "nbytes", 0)) for o, v in zip(sess.get_outputs(), outs)}


def memory_bound(path, feeds, measured=None):
    """(weights MB, peak live activations MB, complete?) for the RSS target: weights are the
    initializers' bytes; activations are simulated in the file's node order (topological) with
    shapes from onnx shape inference on the actual feed shapes: a value is live from its
    producer to its last reader (graph outputs to the end). A value of unknown size takes its
    size in `measured` (`actual_sizes`), else counts 0 and makes the figure incomplete."""
    model = onnx.load(path, load_external_data=False)
    g = model.graph
    shapes = {n: np.load(p, mmap_mode="r").shape for n, p in feeds}

    def nbytes(elem, dims):
        return int(np.prod(dims, dtype=np.int64)) * ITEMSIZE.get(elem, 4)
    weights = sum(nbytes(t.data_type, t.dims) for t in g.initializer)
    for vi in g.input:
        if vi.name in shapes:
            dims = vi.type.tensor_type.shape.dim
            del dims[:]
            for d in shapes[vi.name]:
                dims.add().dim_value = int(d)
    try:
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True).graph
    except Exception:  # noqa: BLE001 - no estimate
        return weights / 2**20, None, False
    size = {}
    for vi in list(inferred.value_info) + list(inferred.output) + list(inferred.input):
        tt = vi.type.tensor_type
        if tt.HasField("shape") and all(d.HasField("dim_value") for d in tt.shape.dim):
            size[vi.name] = nbytes(tt.elem_type, [d.dim_value for d in tt.shape.dim])
    inits = {t.name for t in g.initializer}
    last = {}
    for i, node in enumerate(g.node):
        for x in node.input:
            last[x] = i
    for o in g.output:
        last[o.name] = len(g.node)
    complete, live, peak = True, 0, 0
    for n, _ in feeds:
        live += size.get(n, 0)
    for i, node in enumerate(g.node):
        for y in node.output:
            if not y:
                continue
            if y not in size and measured and y in measured:
                size[y] = measured[y]
            if y not in size:
                complete = False
            live += size.get(y, 0)
        peak = max(peak, live)
        for x in set(list(node.input) + list(node.output)):
            if x and x not in inits and last.get(x, -1) == i:
                live -= size.get(x, 0)
    return weights / 2**20, peak / 2**20, complete


def fmt(v, spec="{:.1f}"):
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else spec.format(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", help="ONNX files (default: big-models ResNet-18 / BERT-tiny / BERT-base and the zoo)")
    ap.add_argument("--threads", type=int, default=2, help="threads for every engine (default 2)")
    ap.add_argument("--runs", type=int, default=10, help="timed runs per engine and round (default 10)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds ours / ort / torch (default 3)")
    ap.add_argument("--binary", default=DEFAULT_BINARY, help="surgeon-shell binary (default .build/release)")
    ap.add_argument("--build", action="store_true", help="swift build -c release first")
    ap.add_argument("--zoo", default="/work/zoo", help="zoo root (default /work/zoo)")
    ap.add_argument("--exporters", default="dynamo", help="zoo exporter folders to include, comma-separated (default dynamo)")
    ap.add_argument("--filter", default="", help="only models whose label contains one of these comma-separated words")
    ap.add_argument("--no-zoo", action="store_true", help="only the big-models defaults")
    ap.add_argument("--no-inspect", action="store_true", help="skip the inspect-all run")
    ap.add_argument("--no-load", action="store_true", help="skip measuring load time")
    ap.add_argument("--no-torch", action="store_true", help="skip PyTorch eager")
    ap.add_argument("--cut", default="in=m.encoder.layer.3 out=m.encoder.layer.8",
                    help=f"the cut timed on {BERT_BASE} (default: encoder layers 3-8)")
    ap.add_argument("--no-cut", action="store_true", help="skip the BERT-base cut / save timing")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per surgeon-shell process")
    args = ap.parse_args()

    if args.build:
        flags = subprocess.run(["sh", os.path.join(ROOT, "tools", "release-flags.sh")], capture_output=True, text=True).stdout.split()
        subprocess.run(["swift", "build", "-c", "release", "--product", "surgeon-shell", *flags], cwd=ROOT, check=True)
    if not os.path.exists(args.binary):
        sys.exit(f"no binary at {args.binary}: build with `make release` or pass --build")

    models = args.models or default_models(args.zoo, [] if args.no_zoo else [e for e in args.exporters.split(",") if e])
    if args.filter:
        words = [w for w in args.filter.split(",") if w]
        models = [m for m in models if any(w in label(m) for w in words)]

    print(f"# threads={args.threads} runs={args.runs} rounds={args.rounds} load average at start: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} cpus)")
    ratios, torch_ratios, insp_ratios, load_ratios, rss_ratios, rss_code_ratios = [], [], [], [], [], []
    # The process's own footprint (runtime, libraries, an empty session): RSS above it is what
    # the model costs, compared with 1.5 x (weights + peak live activations).
    # The program's code and libraries: `set memory` reports their resident pages (shared, file
    # backed, mapped in 64 KiB around each page touched: an empty process has 2.9 MB of the
    # executable's 6.7 MB of code resident, one that has run a model most of it); `code MB` is
    # that figure at the end of the model's process, and the second RSS ratio subtracts the
    # code pages the model's process has beyond the empty one's as well.
    # (The first ratio's empty process runs no command, as before 2026-11-29; the second's runs
    # `set memory` as the model's process does, which brings some code in by itself.)
    base_rss = base_rss_set = base_code = None
    if os.path.exists("/usr/bin/time"):
        for script in ("\n", "set memory\n"):
            out, err, _, _ = run_child(["/usr/bin/time", "-f", "MAXRSS_KB %M", args.binary, "--threads", str(args.threads)],
                                       script, args.timeout)
            m = re.search(r"MAXRSS_KB (\d+)", err)
            if script == "\n":
                base_rss = int(m.group(1)) / 1024 if m else None
            else:
                base_rss_set, base_code = (int(m.group(1)) / 1024 if m else None), code_mb(out)
    print(f"# empty process peak RSS: {fmt(base_rss)} MB (the 'RSS MB' column includes it; 'bound' = "
          "1.5 x (weights + peak live activations) in MB, compared with RSS minus it where the bound is 16 MB or more); "
          f"with `set memory`: {fmt(base_rss_set)} MB, of which program code and libraries {fmt(base_code)} MB")
    # Both engines' loads are timed warm, by the same protocol: the median of 3 loads of the
    # model in one process after a first load of another model (onnxruntime's in this process,
    # ours in the timed one; `load_time`). `cold ms` is our load as the first command of a
    # fresh process, for reference.
    warm_tmp = tempfile.mkdtemp(prefix="bench-warm-")
    warm_model = None if args.no_load else write_warm_model(args.binary, args.threads, args.timeout, warm_tmp)
    if warm_model:
        try:
            ort_session(warm_model, args.threads)
        except Exception:  # noqa: BLE001 - the model sessions report their own errors
            pass
    elif not args.no_load:
        print("# could not write the warm-up model: load times are cold (first load in a fresh process)")
    header = (f"{'model':30} {'ours ms':>8} {'ort ms':>8} {'ratio':>6} {'torch ms':>8} {'/torch':>6} {'insp/pl':>7}"
              f" {'load ms':>8} {'cold ms':>8} {'ort sess':>8} {'ld/sess':>7} {'RSS MB':>7} {'code MB':>7} {'bound':>6}  note")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for path in models:
            name = label(path)
            try:
                feeds = make_inputs(path, tmp)
            except Exception as e:  # noqa: BLE001 - report and go on
                print(f"{name:30} inputs failed: {e}")
                continue
            note = ""
            try:
                sess, ort_create = ort_session(path, args.threads, repeats=1 if args.no_load else 3)
                ort_inputs = {n: np.load(p) for n, p in feeds}
                ort_call = lambda: sess.run(None, ort_inputs)  # noqa: E731
            except Exception as e:  # noqa: BLE001
                sess, ort_create, ort_call = None, None, None
                note += " ort: " + str(e).splitlines()[0][:60]
            torch_call = None
            if not args.no_torch:
                try:
                    torch_call, why = torch_module(path, feeds, args.threads)
                    note += (" " + why) if why else ""
                except Exception as e:  # noqa: BLE001
                    note += " torch: " + str(e).splitlines()[0][:40]
            ours_ms, ort_ms, torch_ms, round_ratios, rss, code, error = [], [], [], [], None, None, None
            for _ in range(args.rounds):
                o, r, c, error = ours(args.binary, path, feeds, args.runs, args.threads, args.timeout)
                if o is None:
                    break
                ours_ms.append(o)
                if r and (rss is None or r > rss):
                    rss, code = r, c
                if ort_call:
                    ort_ms.append(time_calls(ort_call, args.runs))
                    round_ratios.append(o / ort_ms[-1])
                if torch_call:
                    try:
                        torch_ms.append(time_calls(torch_call, args.runs))
                    except Exception as e:  # noqa: BLE001
                        note += " torch: " + str(e).splitlines()[0][:40]
                        torch_call = None
            med = lambda xs: statistics.median(xs) if xs else None  # noqa: E731
            plain, ort_med, torch_med = med(ours_ms), med(ort_ms), med(torch_ms)
            ratio = med(round_ratios)
            if ratio:
                ratios.append(ratio)
            tratio = plain / torch_med if plain and torch_med else None
            if tratio:
                torch_ratios.append(tratio)
            insp = None
            if plain and not args.no_inspect:
                insp = inspect_ratio(args.binary, path, feeds, args.runs, args.threads, args.timeout, args.rounds)
                if insp:
                    insp_ratios.append(insp)
            ld = cold = None
            if not args.no_load and plain is not None:
                ld = load_time(args.binary, path, args.threads, args.timeout, warm_model)
                cold = load_time(args.binary, path, args.threads, args.timeout) if warm_model else ld
            lr = ld / ort_create if ld is not None and ort_create else None
            if lr is not None:
                load_ratios.append(max(lr, 1e-3))
            bound = None
            try:
                w_mb, act_mb, complete = memory_bound(path, feeds)
                if not complete:
                    # Data-dependent shapes: the sizes one onnxruntime run gives.
                    w_mb, act_mb, complete = memory_bound(path, feeds, actual_sizes(path, feeds))
                    if complete:
                        note += " bound: sizes from a run"
                if act_mb is not None:
                    bound = 1.5 * (w_mb + act_mb)
                    if not complete:
                        note += " bound: some shapes unknown"
            except Exception as e:  # noqa: BLE001
                note += " bound: " + str(e).splitlines()[0][:40]
            if rss and bound and bound >= 16 and base_rss is not None:
                rss_ratios.append((name, max(rss - base_rss, 0.0) / bound))
                if code is not None and base_code is not None and base_rss_set is not None:
                    rss_code_ratios.append((name, max(rss - base_rss_set - max(code - base_code, 0.0), 0.0) / bound))
            if error:
                note = error + note
            print(f"{name:30} {fmt(plain):>8} {fmt(ort_med):>8} {fmt(ratio, '{:.2f}'):>6} {fmt(torch_med):>8}"
                  f" {fmt(tratio, '{:.2f}'):>6} {fmt(insp, '{:.2f}'):>7} {fmt(ld, '{:.1f}'):>8} {fmt(cold, '{:.1f}'):>8}"
                  f" {fmt(ort_create, '{:.0f}'):>8} {fmt(lr, '{:.2f}'):>7} {fmt(rss, '{:.0f}'):>7} {fmt(code, '{:.1f}'):>7}"
                  f" {fmt(bound, '{:.0f}'):>6}  {note.strip()}", flush=True)
            del sess, torch_call

    def gm(xs):
        return math.exp(sum(math.log(r) for r in xs) / len(xs))
    print()
    if ratios:
        print(f"ours/ort over {len(ratios)} models: geometric mean {gm(ratios):.2f}, max {max(ratios):.2f}")
    if torch_ratios:
        print(f"ours/torch eager over {len(torch_ratios)} models: geometric mean {gm(torch_ratios):.2f}, max {max(torch_ratios):.2f}")
    if insp_ratios:
        print(f"inspect all / plain over {len(insp_ratios)} models: geometric mean {gm(insp_ratios):.2f}, max {max(insp_ratios):.2f}")
    if load_ratios:
        print(f"our load / ort session creation over {len(load_ratios)} models: geometric mean {gm(load_ratios):.2f}, max {max(load_ratios):.2f}")
    if rss_ratios:
        over = [f"{n} {r:.2f}" for n, r in rss_ratios if r > 1]
        print(f"(peak RSS - empty process) / bound over {len(rss_ratios)} models: max {max(r for _, r in rss_ratios):.2f}"
              + (f"; above 1: {', '.join(over)}" if over else "; none above 1"))
        print("  per model: " + ", ".join(f"{n.split('/')[0]} {r:.2f}" for n, r in rss_ratios))
    if rss_code_ratios:
        over = [f"{n} {r:.2f}" for n, r in rss_code_ratios if r > 1]
        print(f"(peak RSS - empty process - code and library pages beyond the empty process's) / bound over "
              f"{len(rss_code_ratios)} models: max {max(r for _, r in rss_code_ratios):.2f}"
              + (f"; above 1: {', '.join(over)}" if over else "; none above 1"))
        print("  per model: " + ", ".join(f"{n.split('/')[0]} {r:.2f}" for n, r in rss_code_ratios))
    if not args.no_cut and os.path.exists(BERT_BASE) and (not args.filter or "bert-base" in args.filter):
        cut, save = cut_save_times(args.binary, BERT_BASE, args.threads, args.timeout, args.cut)
        ld = load_time(args.binary, BERT_BASE, args.threads, args.timeout, warm_model)
        try:
            _, create = ort_session(BERT_BASE, args.threads, repeats=3)
        except Exception:  # noqa: BLE001
            create = None
        print(f"BERT-base ({os.path.basename(BERT_BASE)}): cut {args.cut}: {fmt(cut, '{:.1f}')} ms, save: {fmt(save, '{:.0f}')} ms,"
              f" load: {fmt(ld, '{:.1f}')} ms (onnxruntime session: {fmt(create, '{:.0f}')} ms)")
    shutil.rmtree(warm_tmp, ignore_errors=True)
    print("# load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
