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

release: deps
	$(SWIFT) build -c release

run: release
	.build/release/surgeon-shell $(ARGS)

test: deps venv conformance-data
	$(SWIFT) build --build-tests
	SURGEON_PYTHON=$(abspath $(VENV))/bin/python $(SWIFT) test --skip-build $(SWIFT_TEST_FLAGS)
	# cut models saved by CutTests: onnx.checker and onnxruntime must agree with our interpreter
	$(VENV)/bin/python tools/check_cuts.py .build/cut-samples

record-conformance: deps venv conformance-data
	$(SWIFT) build --build-tests
	SURGEON_RECORD_CONFORMANCE=1 $(SWIFT) test --skip-build --filter ConformanceTests

clean:
	rm -rf .build $(CONF_DIR)
