#!/usr/bin/env python3
"""Rebuilds /work/big-models (not in git): the files bench.py times besides the zoo and the
local-only tests read (Tests/SurgeonTests/ResNetTests.swift).

- resnet18-{dynamo,legacy}.onnx, resnet18-names.json, bert-tiny-{dynamo,legacy}.onnx,
  bert-tiny-names.json: `samples/make_samples.py`'s `big` and `bert` (seeded random weights);
- bert-base-legacy.onnx: transformers' BertModel(BertConfig()) as attribute `m` (BERT-base defaults, seed 0,
  random weights), TorchScript exporter at opset 17, inputs input_ids / attention_mask /
  token_type_ids of shape [1, 64] (bench.py's cut and save timings, issue 7).

Needs torch, torchvision, transformers, onnx, onnxscript and surgeon-pytorch, e.g.

    /work/venv-torch/bin/pip install surgeon-pytorch
    /work/venv-torch/bin/python bench/big_models.py [DIR]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "samples"))

import torch  # noqa: E402

import make_samples  # noqa: E402


def bert_base(folder):
    from transformers import BertConfig, BertModel

    class Wrapped(torch.nn.Module):
        # Positional inputs for the exporter; the module paths are m.encoder.layer.N (bench.py's
        # default cut).
        def __init__(self):
            super().__init__()
            self.m = BertModel(BertConfig())

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state

    torch.manual_seed(0)
    m = Wrapped().eval()
    ids = torch.randint(0, 1000, (1, 64))
    mask = torch.ones(1, 64, dtype=torch.int64)
    types = torch.zeros(1, 64, dtype=torch.int64)
    path = os.path.join(folder, "bert-base-legacy.onnx")
    make_samples.export(m, (ids, mask, types), path, False,
                        input_names=("input_ids", "attention_mask", "token_type_ids"))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = args[0] if args else "/work/big-models"
    os.makedirs(out, exist_ok=True)
    if "--bert-base-only" not in sys.argv:
        make_samples.big(out)
        make_samples.bert(out)
    bert_base(out)
