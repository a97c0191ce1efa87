#!/usr/bin/env python3
"""Write the ONNX backend node test cases (model + test_data_set_N/{input,output}_K.pb).

Usage: gen_conformance.py OUTDIR
Needs the pinned `onnx` package (see tools/requirements-test.txt). The layout is the one
onnx's own `backend-test-tools generate-data` writes, so other runtimes' harnesses read it too.
"""
import os
import shutil
import sys

import onnx
from onnx import numpy_helper
import onnx.backend.test.case.node as node_cases


def serialize(value, vi, name):
    t = vi.type
    if t.HasField("sequence_type"):
        return numpy_helper.from_list(value, name).SerializeToString()
    if t.HasField("optional_type"):
        return numpy_helper.from_optional(value, name).SerializeToString()
    if t.HasField("map_type"):
        return numpy_helper.from_dict(value, name).SerializeToString()
    if isinstance(value, onnx.TensorProto):
        return value.SerializeToString()
    return numpy_helper.from_array(value, name).SerializeToString()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "conformance-data"
    cases = node_cases.collect_testcases()
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    for case in cases:
        d = os.path.join(out, case.name)
        os.makedirs(d)
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        for i, (inputs, outputs) in enumerate(case.data_sets):
            ds = os.path.join(d, f"test_data_set_{i}")
            os.makedirs(ds)
            g = case.model.graph
            for j, v in enumerate(inputs):
                with open(os.path.join(ds, f"input_{j}.pb"), "wb") as f:
                    f.write(serialize(v, g.input[j], g.input[j].name))
            for j, v in enumerate(outputs):
                with open(os.path.join(ds, f"output_{j}.pb"), "wb") as f:
                    f.write(serialize(v, g.output[j], g.output[j].name))
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"onnx {onnx.__version__} cases {len(cases)}\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
