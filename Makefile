# The two commands of DESIGN §3 and a few helpers:
#   make run    install packages, build, start the dev stack and the service
#               (Ctrl-C stops all of it); `make run KAFKA=apache` on a real
#               Apache Kafka broker instead of the mock cluster
#   make chaos  the fault campaign of DESIGN §13 (tests/chaos/run.sh)
#   make test   install, build (also a gcc Release and a clang tree), run
#               every test suite (scripts/test.sh)
#   make format        scripts/format.sh: clang-format and the one include
#                      style over every project C file
#   make check-format  scripts/check-format.sh: the lint of both
#   make build | bench | stop | clean | clean-data
SHELL := /bin/bash
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
BIN := $(CURDIR)/$(BUILD_DIR)/order-service
SIM_BIN := $(CURDIR)/$(BUILD_DIR)/order-sim

KAFKA ?= mock

.PHONY: all deps build run test bench stop clean clean-data fuzz chaos format check-format

all: build

deps:
	@scripts/install-deps.sh -q

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOS_WERROR=ON
	cmake --build $(BUILD_DIR) -j $(JOBS)

# dev-stack.sh starts only what DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS and the
# service URLs do not already provide. The stack is stopped on any exit.
run: build
	@set -euo pipefail; \
	export ORDER_SERVICE_BIN="$(BIN)" ORDER_SIM_BIN="$(SIM_BIN)" KAFKA="$(KAFKA)"; \
	trap 'scripts/dev-stack.sh stop' EXIT; \
	trap 'exit 130' INT TERM; \
	stack_env=$$(scripts/dev-stack.sh start); \
	eval "$$stack_env"; \
	if [ -z "$${CATALOG_SERVICE_API_URL:-}" ]; then scripts/dev-seed-inventory.sh & fi; \
	MIGRATIONS_DIR="$(CURDIR)/migrations" ./entrypoint.sh

test:
	scripts/test.sh

format:
	scripts/format.sh

check-format:
	scripts/check-format.sh

# libFuzzer over every decoder, FUZZ_SECONDS per target (default 600); see
# scripts/fuzz.sh and docs/FUZZING.md.
fuzz: deps
	scripts/fuzz.sh

bench: build
	bench/run.sh

# DESIGN §13 on a real broker: CHAOS_ORDERS (default 20000) orders, figures
# in docs/RELIABILITY.md.
chaos: build
	CHAOS_REPORT=$(CURDIR)/docs/RELIABILITY.md tests/chaos/run.sh

stop:
	scripts/dev-stack.sh stop

clean:
	rm -rf build build-asan build-fuzz build-release build-clang

clean-data: stop
	rm -rf .data
