# surgeon-shell: `make run` and `make test` do everything on a fresh Debian machine.
SWIFT      ?= swift
VENV       ?= .venv
PYTHON     ?= python3
APT_PKGS   := libopenblas-dev libncursesw5-dev libreadline-dev zlib1g-dev tmux
CONF_DIR   := .conformance
SWIFT_TEST_FLAGS ?=

.PHONY: all deps venv build release run test test-only conformance-data clean record-conformance

all: build

# Installs the Debian packages that are missing (as root, or through sudo).
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# Python venv with pinned packages for test data and onnxruntime comparisons.
$(VENV)/.stamp: tools/requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r tools/requirements-test.txt
	touch $@

venv: $(VENV)/.stamp

$(CONF_DIR)/VERSION: $(VENV)/.stamp tools/gen_conformance.py
	$(VENV)/bin/python tools/gen_conformance.py $(CONF_DIR)

conformance-data: $(CONF_DIR)/VERSION

build: deps
	$(SWIFT) build

# Release builds target this CPU's family when it has AVX2+FMA (tools/release-flags.sh;
# SURGEON_PORTABLE=1 builds for any x86-64).
RELEASE_FLAGS ?= $(shell sh tools/release-flags.sh)

release: deps
	$(SWIFT) build -c release $(RELEASE_FLAGS)

run: release
	.build/release/surgeon-shell $(ARGS)

# The build's and the tests' scratch files (swiftpm's temporary directories, saved models,
# exports, PNGs, histories, tmux sockets) go to a fresh TMPDIR, removed afterwards whatever
# the result: a run leaves nothing in /tmp.
test: deps venv conformance-data
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/surgeon-test.XXXXXX") && export TMPDIR=$$tmp TMUX_TMPDIR=$$tmp && \
	  $(SWIFT) build --build-tests && \
	  SURGEON_PYTHON=$(abspath $(VENV))/bin/python $(SWIFT) test --skip-build $(SWIFT_TEST_FLAGS); \
	  rc=$$?; rm -rf "$$tmp"; exit $$rc
	# cut models saved by CutTests: onnx.checker and onnxruntime must agree with our interpreter
	$(VENV)/bin/python tools/check_cuts.py .build/cut-samples

record-conformance: deps venv conformance-data
	$(SWIFT) build --build-tests
	SURGEON_RECORD_CONFORMANCE=1 $(SWIFT) test --skip-build --filter ConformanceTests

clean:
	rm -rf .build $(CONF_DIR)

# libFuzzer (issue 8): `make fuzz RUNS=N` builds the targets in fuzz/ with -sanitize=fuzzer,address
# and runs each for N inputs, starting from the committed seeds in fuzz/corpus/<target>/
# (new inputs go to .build-fuzz/corpus/<target>/; crashes to .build-fuzz/crash-*).
RUNS       ?= 100000
# lld: SwiftPM links executables with main renamed (--defsym main=<target>_main) and gold
# crashes on that with libFuzzer; the targets enter LLVMFuzzerRunDriver from their own main.
FUZZ_BUILD := $(SWIFT) build --package-path fuzz --scratch-path .build-fuzz -c release \
              -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
FUZZ_BIN    = $$($(FUZZ_BUILD) --show-bin-path)
FUZZ_ENV    = LSAN_OPTIONS=suppressions=$(abspath fuzz/lsan.supp)
FUZZ_OPTS  ?= -timeout=10 -rss_limit_mb=4096
# Scripts past 4 KB only repeat commands and make every execution slower.
FUZZ_LOADER_OPTS   ?= -max_len=65536
FUZZ_COMMANDS_OPTS ?= -max_len=4096 -dict=fuzz/commands.dict

.PHONY: fuzz fuzz-build fuzz-loader fuzz-commands test-asan test-tsan

fuzz-build:
	$(FUZZ_BUILD) --product fuzz-loader
	$(FUZZ_BUILD) --product fuzz-commands

# One target alone: make fuzz-loader RUNS=N (or fuzz-commands); make fuzz runs both in turn.
fuzz-loader: fuzz-build
	mkdir -p .build-fuzz/corpus/loader
	$(FUZZ_ENV) $(FUZZ_BIN)/fuzz-loader $(FUZZ_OPTS) $(FUZZ_LOADER_OPTS) -runs=$(RUNS) -artifact_prefix=.build-fuzz/crash-loader- \
	  .build-fuzz/corpus/loader fuzz/corpus/loader

fuzz-commands: fuzz-build
	mkdir -p .build-fuzz/corpus/commands
	$(FUZZ_ENV) $(FUZZ_BIN)/fuzz-commands $(FUZZ_OPTS) $(FUZZ_COMMANDS_OPTS) -runs=$(RUNS) -artifact_prefix=.build-fuzz/crash-commands- \
	  .build-fuzz/corpus/commands fuzz/corpus/commands

fuzz: fuzz-build
	$(MAKE) --no-print-directory fuzz-loader
	$(MAKE) --no-print-directory fuzz-commands

# Sanitizer runs of the test suite (slow on 2 cores; conformance cases skipped).
test-asan:
	$(SWIFT) build --build-tests -Xswiftc -sanitize=address --scratch-path .build-asan
	$(FUZZ_ENV) $(SWIFT) test --skip-build -Xswiftc -sanitize=address --scratch-path .build-asan --skip ConformanceTests

test-tsan:
	$(SWIFT) build --build-tests -Xswiftc -sanitize=thread --scratch-path .build-tsan
	$(SWIFT) test --skip-build -Xswiftc -sanitize=thread --scratch-path .build-tsan --skip ConformanceTests
