# The targets users type. meson and ninja do the building; this file only
# names the steps. Run as root on Debian 12 (make deps installs packages).
BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
NAME       ?= demo
IO         ?= af_xdp

.PHONY: all build deps run test bench fuzz format clean image test-image

all: build

deps:
	@tests/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	tests/lab/pop-lab run --name $(NAME) --io $(IO)

test: build
	POP_BUILD=$(CURDIR)/$(BUILD) POP_BUILD_SAN=$(CURDIR)/$(BUILD_SAN) \
	POP_BUILD_FUZZ=$(CURDIR)/$(BUILD_FUZZ) python3 tests/run-tests

bench: build
	POP_BUILD=$(CURDIR)/$(BUILD) tests/bench/run-bench

fuzz: deps
	[ -f $(BUILD_FUZZ)/build.ninja ] || CC=clang meson setup $(BUILD_FUZZ) -Dfuzz=true
	ninja -C $(BUILD_FUZZ)
	tests/fuzz/run-fuzz $(BUILD_FUZZ) $(FUZZ_SECONDS)

# The appliance as a bootable disk image (build/image/pop.raw, pop.qcow2) and
# its boot test in qemu (also a stage of make test).
image: build
	images/build-image

test-image: image
	POP_BUILD=$(CURDIR)/$(BUILD) images/test-image

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)
