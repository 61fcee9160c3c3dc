# actfn: two commands do everything on a fresh Debian 12 machine.
#   make demo   install what is missing, build, run `actfn demo`
#   make test   install what is missing, build with -Wall -Wextra -Werror, run every test
#               (C++ under ctest, then the Python package in a virtual environment, pytest)
#   make bench  the benchmarks (Release build, ns per element and bytes per second)
#   make docs   regenerate docs/functions.md and docs/img/activations.png from the code
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# Debian packages the build and the tests need.
DEB_PACKAGES = cmake g++ make pkg-config libhwy-dev libgtest-dev libbenchmark-dev libcairo2-dev \
               fonts-dejavu-core python3 python3-venv python3-dev
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

PYTHON ?= python3
VENV ?= .venv
# The Python side: a virtual environment with the test dependencies, and the package built
# from this tree (pip install ., through scikit-build-core and the same CMake build).
PY_DEPS = numpy scipy pytest hypothesis scikit-build-core ml_dtypes "dask[distributed]"

.PHONY: all deps configure build demo test bench docs install clean python pytest

all: build

# Installs only what dpkg says is missing; `apt-get update` only when something is.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DACTFN_WERROR=ON $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/actfn demo

test: build python
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(BUILD) && ../$(VENV)/bin/python -m pytest -q ../python/tests

$(VENV)/.deps: | deps
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q $(PY_DEPS)
	touch $@

python: $(VENV)/.deps
	$(VENV)/bin/pip install -q --no-build-isolation .

pytest: python
	cd $(BUILD) && ../$(VENV)/bin/python -m pytest -q ../python/tests

bench: build
	$(BUILD)/bench/actfn_bench --benchmark_counters_tabular=true $(BENCH_ARGS)

# Regenerates the files made from the registry (a test fails when they are stale).
docs: build python
	$(BUILD)/actfn list --markdown > docs/functions.md
	$(BUILD)/actfn demo --image docs/img/activations.png > /dev/null
	cd $(BUILD) && ../$(VENV)/bin/python ../tools/gen_stub.py > ../python/actfn/__init__.pyi

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(VENV)
