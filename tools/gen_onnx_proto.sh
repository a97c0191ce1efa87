#!/usr/bin/env bash
# Regenerates Sources/ONNXProto/Generated/{onnx-ml,onnx-data}.pb.swift from the .proto files
# that ship in the pinned onnx wheel (onnx-ml.proto is onnx.proto plus the ML types;
# onnx-data.proto has SequenceProto/OptionalProto/MapProto for test data). Needs protoc (apt protobuf-compiler) and protoc-gen-swift built from
# apple/swift-protobuf 1.39.0 (`swift build -c release --product protoc-gen-swift` in a clone).
# Nobody needs this to build: the generated file is committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift)}
proto_dir=$("$root/.venv/bin/python" -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')
tmp=$(mktemp -d)
mkdir -p "$tmp/onnx"
cp "$proto_dir/onnx-ml.proto" "$proto_dir/onnx-data.proto" "$tmp/onnx/"
rm -f "$root"/Sources/ONNXProto/Generated/*.pb.swift
protoc --plugin=protoc-gen-swift="$plugin" --proto_path="$tmp" \
  --swift_opt=Visibility=Public --swift_opt=FileNaming=DropPath \
  --swift_out="$root/Sources/ONNXProto/Generated" "$tmp/onnx/onnx-ml.proto" "$tmp/onnx/onnx-data.proto"
rm -rf "$tmp"
ls "$root/Sources/ONNXProto/Generated"
