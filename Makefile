# Two commands matter: `make demo` and `make test` (see README.md).
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CTEST_ARGS ?=
FUZZ_SECONDS ?= 20

.PHONY: all deps build build-asan demo test test-release test-asan fuzz bench clean cluster-up cluster-down

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

$(ASAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSHARDWIRE_SANITIZE=ON

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# Local cluster + proxy in the foreground on 127.0.0.1:6033.
demo: build
	@bash scripts/demo.sh

# Every unit and integration test, in the Release build and under ASan+UBSan.
test: build build-asan
	cd $(BUILD) && ctest --output-on-failure $(CTEST_ARGS)
	cd $(ASAN_BUILD) && ctest --output-on-failure $(CTEST_ARGS)
	$(MAKE) --no-print-directory fuzz

# libFuzzer targets (tests/fuzz/README.md), FUZZ_SECONDS per target, in build-fuzz/ (clang).
fuzz:
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS)

test-release: build
	cd $(BUILD) && ctest --output-on-failure $(CTEST_ARGS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure $(CTEST_ARGS)

# The benchmark table: every path direct vs through shardwire, rounds alternating
# (bench/bench.sh, bench/README.md). `make bench-point` is the pass-through point select alone.
bench: build
	@bash bench/bench.sh

# Multi-shard SELECT merge: 1M-row ORDER BY stream and LIMIT offset page through the
# proxy vs an unsharded reference table (bench/README.md).
.PHONY: bench-merge bench-ps bench-point bench-idle bench-uring bench-xa soak
bench-merge: build
	@bash bench/merge.sh

# Soak with faults, full length (tests/soak/soak.py; CI runs integration/soak, 200 x 120 s):
# the test cluster of build/ is started and stopped around it.
soak: build
	cd $(BUILD) && SOAK_CLIENTS=$${SOAK_CLIENTS:-1000} SOAK_SECONDS=$${SOAK_SECONDS:-600} \
	  ctest -R 'integration/(cluster_up|soak|cluster_down)$$' --output-on-failure -V

# Point selects with server-side prepared statements (sysbench --db-ps-mode=auto).
bench-ps: build
	@PS_MODE=auto bash bench/point_select.sh
bench-point: build
	@bash bench/point_select.sh
# Two-shard transactions in each transaction mode: local, best_effort, xa (bench/README.md).
bench-xa: build
	@bash bench/xa_bench.sh

# The io_uring experiment: a loopback relay with epoll vs liburing (bench/uring/).
bench-uring:
	@bash bench/uring/run.sh

# Proxy RSS per idle client connection (5,000 clients) and backend connections held.
bench-idle: build
	@bash bench/idle_connections.sh

cluster-up:
	@bash scripts/cluster.sh up
cluster-down:
	@bash scripts/cluster.sh down

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
