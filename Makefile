# Twin — top-level build. `make help` lists the targets.
#
# Layout of the build tree (BUILD, default build/; build-san/ for SAN=1):
#   libtwin.a   userland/lib/*.c           shared: wire format, config, control protocol, log
#   libtwind.a  userland/twind/*.c (but main.c) + userland/bpf/*.c loaders
#   libexporter.a  userland/exporter/*.c but the HTTP side (exporter_main.c, http.c)
#   twind, twinctl, tools/*, tests/*

CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= bpftool
SAN     ?= 0

ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD   ?= build
SANFLAGS =
endif

PKGS      = libnl-route-3.0 libnl-3.0 libbpf libmnl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
HARDEN   = -fstack-protector-strong -fPIE
ifeq ($(SAN),0)
HARDEN  += -D_FORTIFY_SOURCE=2
endif
CFLAGS  ?= -O2 -g
# test hooks (environment overrides, crash points): in every build but the
# image's (make image builds its binaries with TEST_HOOKS=0)
TEST_HOOKS ?= 1
ifeq ($(TEST_HOOKS),1)
HARDEN  += -DTWIN_TEST_HOOKS
endif
CFLAGS  += -std=gnu11 $(WARN) $(HARDEN) $(SANFLAGS) -MMD -MP \
           -Iuserland/lib -Iuserland/twind -Iuserland/bpf -Iuserland/panel -Iuserland/exporter -Ikmod \
           -I$(BUILD)/gen $(PKG_CFLAGS)
LDFLAGS += -pie -Wl,-z,relro,-z,now $(SANFLAGS)
LDLIBS   = -pthread $(PKG_LIBS) -lmbedtls -lmbedx509 -lmbedcrypto -lelf -lz
# only twin-exporter links libmicrohttpd
MHD_LIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)

LIB_SRC   := $(wildcard userland/lib/*.c)
TWIND_SRC := $(filter-out userland/twind/main.c,$(wildcard userland/twind/*.c)) \
             $(filter-out %.bpf.c,$(wildcard userland/bpf/*.c))
CTL_SRC   := $(wildcard userland/twinctl/*.c)
PANEL_SRC := $(filter-out userland/panel/console_main.c,$(wildcard userland/panel/*.c))
EXPORTER_MAIN := userland/exporter/exporter_main.c userland/exporter/http.c
EXPORTER_SRC  := $(filter-out $(EXPORTER_MAIN),$(wildcard userland/exporter/*.c))
TOOL_SRC  := $(wildcard tests/tools/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
BPF_SRC   := $(wildcard userland/bpf/*.bpf.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBTWIN  := $(BUILD)/libtwin.a
LIBTWIND := $(BUILD)/libtwind.a
LIBPANEL := $(BUILD)/libpanel.a
LIBEXPORTER := $(BUILD)/libexporter.a
BPF_OBJ  := $(patsubst userland/bpf/%.bpf.c,$(BUILD)/gen/%.bpf.o,$(BPF_SRC))
SKELS    := $(patsubst userland/bpf/%.bpf.c,$(BUILD)/gen/%.skel.h,$(BPF_SRC))
TOOLS    := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))
UNITS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: deps units all help test test-unit test-net fuzz check-format cppcheck format clean bench demo demo-ns
.SECONDARY:
all: $(BUILD)/twind $(BUILD)/twinctl $(BUILD)/twin-console $(BUILD)/twin-bundle $(BUILD)/twin-exporter $(TOOLS)

help:
	@echo "make              build twind, twinctl, twin-console, twin-exporter and the test tools into $(BUILD)/"
	@echo "make test         every test (unit under ASan/UBSan, net, lint); needs root"
	@echo "make test-unit    unit tests under ASan/UBSan"
	@echo "make test-net     namespace tests with real twind pairs (root)"
	@echo "make fuzz         every libFuzzer target for FUZZ_SECONDS (60) each: execs, coverage, crashes"
	@echo "make demo         build the image, boot two qemu VMs from it, pair them, fail over (root)"
	@echo "make demo-ns      the same pair in network namespaces, 1 ms client probe (root)"
	@echo "make bench        failover benchmark, Twin vs keepalived (root)"
	@echo "make check-format clang-format check;  make cppcheck  static analysis"
	@echo "make deps         install the Debian packages the build and tests need"
	@echo "make image [BOARD=qemu-x86_64|x86_64-appliance]  flashable image into $(BUILD)/image/BOARD/ (docs/IMAGE.md)"
	@echo "make kmod         kernel modules (kmod/) for the image's kernel into $(BUILD)/kmod/"
	@echo "make demo-vm      two qemu VMs from the image: pair forms, fails over (root)"
	@echo "make system-test  qemu system tests on the image (root, ~3 min)"
	@echo "make clean"

deps:
	./tests/install-deps.sh

# --- BPF: vmlinux.h from the running kernel's BTF, CO-RE object, skeleton ---
$(BUILD)/gen/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.bpf.o: userland/bpf/%.bpf.c userland/bpf/%.h userland/lib/hb_wire.h $(BUILD)/gen/vmlinux.h
	$(CLANG) -O2 -g -target bpf -D__TARGET_ARCH_x86 -D__BPF__ -Wall -Werror \
		-I$(BUILD)/gen -Iuserland/bpf -Iuserland/lib -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/gen/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# --- C objects ---
$(BUILD)/obj/%.o: %.c | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIBTWIN): $(call obj,$(LIB_SRC))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBTWIND): $(call obj,$(TWIND_SRC))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBPANEL): $(call obj,$(PANEL_SRC))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBEXPORTER): $(call obj,$(EXPORTER_SRC))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/twind: $(call obj,userland/twind/main.c) $(LIBTWIND) $(LIBTWIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/twinctl: $(call obj,$(CTL_SRC)) $(LIBTWIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the console: front-panel LCD (via LCDd) and serial/SSH terminal menu
$(BUILD)/twin-console: $(call obj,userland/panel/console_main.c) $(LIBPANEL) $(LIBTWIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Prometheus metrics over HTTP from the control socket (docs/METRICS.md)
$(BUILD)/twin-exporter: $(call obj,$(EXPORTER_MAIN)) $(LIBEXPORTER) $(LIBTWIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(MHD_LIBS)

# host tool: makes and checks signed update bundles (firmware/, tests)
$(BUILD)/twin-bundle: $(call obj,userland/twin-bundle/twin-bundle.c) $(LIBTWIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%: $(call obj,tests/tools/%.c) $(LIBTWIND) $(LIBTWIN)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(call obj,tests/unit/%.c) $(LIBPANEL) $(LIBEXPORTER) $(LIBTWIND) $(LIBTWIN)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# --- firmware image (docs/IMAGE.md) ---
BOARD ?= qemu-x86_64
VM_IMAGE = $(BUILD)/image/qemu-x86_64/disk.img
.PHONY: image kmod demo-vm system-test
# the image's binaries come from a product build without test hooks
# (userland/lib/test_hooks.h) in $(BUILD)/product
image: $(BUILD)/twin-bundle kmod
	$(MAKE) --no-print-directory BUILD=$(BUILD)/product TEST_HOOKS=0 \
		$(BUILD)/product/twind $(BUILD)/product/twinctl $(BUILD)/product/twin-console \
		$(BUILD)/product/twin-bundle $(BUILD)/product/twin-exporter
	./firmware/build-image.sh $(BOARD) $(BUILD) $(BUILD)/product

# kmod/*.ko against the linux-headers of the image's kernel (firmware/build-kmod.sh)
kmod:
	./firmware/build-kmod.sh $(BUILD)

$(VM_IMAGE):
	$(MAKE) image BOARD=qemu-x86_64

demo-vm: $(VM_IMAGE)
	./tests/system/demo-vm.sh $(VM_IMAGE)

system-test: $(VM_IMAGE)
	./tests/system/run.sh $(VM_IMAGE)

# --- tests ---
test:
	./tests/run-all.sh

test-unit:
	$(MAKE) SAN=1 units
	./tests/unit/run.sh build-san/tests

units: $(UNITS)

test-net: all
	./tests/net/run.sh

# every libFuzzer target (tests/fuzz/fuzz_*.c) on its corpus in tests/fuzz/corpus/;
# FUZZ_TARGETS="ctl drbd9" runs some, FUZZ_FLAGS adds libFuzzer flags. The CI smoke is tests/fuzz/run.sh at 15 s each.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" FUZZ_FLAGS="$(FUZZ_FLAGS)" ./tests/fuzz/run.sh

bench: all
	./tests/bench/run.sh

# the main job: build the image, boot two VMs from it, pair, fail over
demo: deps all image
	./tests/system/demo-vm.sh $(VM_IMAGE)

demo-ns: deps all
	./tests/demo/demo-pair.sh

# kmod/ is kernel code: checkpatch.pl's style (tests/firmware/test_kmod.sh)
FORMAT_SRC = $(shell git ls-files '*.c' '*.h' ':!kmod/' 2>/dev/null)
check-format:
	clang-format --dry-run --Werror $(FORMAT_SRC)
format:
	clang-format -i $(FORMAT_SRC)
cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--inline-suppr --suppress=missingIncludeSystem -D__linux__ \
		-Iuserland/lib -Iuserland/twind -Iuserland/panel -Iuserland/exporter userland/lib userland/twind \
		userland/twinctl userland/twin-bundle userland/panel userland/exporter \
		tests/unit tests/tools tests/fuzz

clean:
	rm -rf build build-san

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
