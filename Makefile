# Top-level entry points.  Everything real happens in CMake; this file makes
# the two setup commands (make demo, make test) work on a fresh Debian 12.
BUILD ?= build
CMAKE_FLAGS ?=
ifeq ($(SANITIZE),1)
BUILD := build-asan
CMAKE_FLAGS += -DWASMPLUG_SANITIZE=ON
endif
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)

.PHONY: all deps build test demo bench install fuzz clean

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 600

demo: build
	@sh examples/demo.sh $(BUILD)

bench: build
	@sh bench/run.sh $(BUILD)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

fuzz: deps
	@cmake -S . -B build-fuzz -DWASMPLUG_FUZZ=ON -DCMAKE_C_COMPILER=clang >/dev/null
	@cmake --build build-fuzz -j$(JOBS)
	@echo "fuzz targets are in build-fuzz/fuzz/; see fuzz/README.md"

clean:
	rm -rf build build-asan build-fuzz
