# The commands README gives users. Each target installs what is missing first
# (scripts/install-deps), so a fresh Debian 12 machine needs nothing by hand.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
TESSERA := build/bin/tessera
PORT ?= 8080

.PHONY: deps build test test-asan test-tsan test-browser bench fuzz soak run clean container-test

deps:
	@scripts/install-deps

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# Every test: unit (ctest), integration (the real binary over HTTP/WebSocket/JSON-RPC)
# and the web UI in headless Chromium.
test: build
	ctest --preset release -j $(JOBS)
	scripts/run-integration-tests build
	tests/browser/run build

# Unit tests, then the server and launch driven by the same integration tests, under
# ASan+UBSan. A sanitizer report exits 99, which no test expects from tessera.
test-asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)
	ASAN_OPTIONS=exitcode=99 UBSAN_OPTIONS=exitcode=99:print_stacktrace=1 \
	  scripts/run-integration-tests build-asan

# The concurrency suite, then the model-based client test against a TSan build of the
# server with fixed seeds: a report makes the server exit 66 and is printed here. (The
# tsan build preset builds only these two programs.)
test-tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -j $(JOBS) -L concurrency
	rm -f build-tsan/tsan-model.*
	for seed in 1 2 3; do \
	  TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1 log_path=$(CURDIR)/build-tsan/tsan-model" \
	    MODEL_SEED=$$seed MODEL_BOUND=60 python3 tests/integration/model_clients.py build-tsan \
	    || { cat build-tsan/tsan-model.* 2>/dev/null | head -300; exit 1; }; \
	done

test-browser: build
	tests/browser/run build

bench: build
	@scripts/install-deps bench
	scripts/run-benchmarks

# Coverage-guided fuzzing with libFuzzer, FUZZ_SECONDS per target (default 600); the
# short seeded runs of the same targets are part of `make test` (ctest label fuzz).
fuzz:
	@scripts/install-deps fuzz
	scripts/run-fuzz

# The container image, docker/compose.yaml and deploy/kubernetes/ run for real with
# podman (README "Run in a container"). Not part of `make test`: it needs a container
# engine and builds the image (~10+ minutes).
container-test:
	@scripts/install-deps container
	scripts/container-test

# 30 minutes of random clients against one server (tests/integration/model_clients.py):
# every call within its bound, then the slopes of RSS, fds and threads (build/soak.csv).
soak: build
	MODEL_SECONDS=$${SOAK_SECONDS:-1800} MODEL_OPS=1000000000 MODEL_CLIENTS=6 MODEL_SAMPLES=build/soak.csv \
	  python3 tests/integration/model_clients.py build

run: build
	scripts/run-demo $(TESSERA) $(PORT)

clean:
	rm -rf build build-debug build-asan build-tsan build-fuzz
