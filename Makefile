# SPDX-License-Identifier: GPL-2.0
#
# For people; kbuild reads Kbuild. `make help` lists the targets.

PACKAGE_NAME := ovlvol
PACKAGE_VERSION := 0.1.0

KERNELRELEASE ?= $(shell uname -r)
# The running kernel's build dir, else the newest Debian headers installed.
KDIR ?= $(firstword $(wildcard /lib/modules/$(KERNELRELEASE)/build) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))
# Building (not installing) with neither: the guests' stock 6.12 headers,
# unpacked into the cache on first use (selftests/vm/kernel.sh kdir).
BUILD_KDIR = $(or $(KDIR),$(shell selftests/vm/kernel.sh kdir stock-6.12),\
	$(error no kernel build dir: set KDIR=, or see selftests/vm/kernel.sh kdir))
NEED_KDIR = $(if $(KDIR),,$(error no kernel build dir for $(KERNELRELEASE): set KDIR=))
DESTDIR ?=
PREFIX ?= /usr
KERNEL ?= stock-6.12
ALL_KERNELS := stock-6.1 stock-6.12 stock-7.x patched-6.1 patched-6.12 patched-7.3
DEBUG_KERNELS := patched-6.1-debug patched-6.12-debug

CHECKPATCH = $(shell scripts/linux-source-files.sh checkpatch)/checkpatch.pl
USER_C := $(wildcard tools/*/*.[ch] selftests/*.[ch] selftests/host/*.[ch] selftests/fuzz/*.[ch])
KERNEL_C := $(wildcard module/*.[ch])
# Absolute paths: checkpatch misreads some relative patch paths as files.
PATCHES := $(abspath $(filter-out %/0000-cover-letter.patch,$(wildcard patches/*/[0-9]*.patch)))

all: module ovlctl selftests

module:
	$(MAKE) -C $(BUILD_KDIR) M=$(CURDIR) W=1 modules

ovlctl:
	$(MAKE) -C tools/ovlctl VERSION=$(PACKAGE_VERSION)

selftests:
	$(MAKE) -C selftests

deps:
	scripts/deps.sh test deb

check:
	scripts/check.sh

demo:
	scripts/demo.sh

# The kernel-side guest tests (the series and the module; DEBUG_TESTS) once
# more on the patched kernels built with KASAN, kmemleak, lockdep and
# PROVE_RCU (slow: two more kernel builds, and guests about ten times slower
# under TCG; see Documentation/testing.rst). DEBUG_TESTS="" runs them all.
DEBUG_TESTS ?= module_load ovlvol_badinput ovlvol_concurrency ovlvol_errseq \
	ovlvol_ident ovlvol_inuse ovlvol_reload volatile_baseline volatile_reuse reboot
check-debug:
	HOST_TESTS=0 KERNELS="$(DEBUG_KERNELS)" VM_TESTS="$(DEBUG_TESTS)" scripts/check.sh

# The crash rounds of the fault suite on every kernel (KERNELS= for fewer):
# FAULT_ROUNDS crashes each, then the table (Documentation/testing.rst);
# FAULT_SEED= repeats a run. make check runs one round per kernel, and the
# other fault tests (fault_io) with the rest of the selftests.
FAULT_ROUNDS ?= 10
KERNELS ?= $(ALL_KERNELS)
FAULT_OUT = $(or $(OVLVOL_BUILD),build)/fault
fault-test:
	scripts/deps.sh
	@for k in $(KERNELS); do \
		FAULT_ROUNDS=$(FAULT_ROUNDS) selftests/vm/run.sh --fault $$k || fail=1; \
	done; \
	selftests/vm/fault_tally.sh $(foreach k,$(KERNELS),$(FAULT_OUT)/$(k)/fault.tsv) \
		>$(FAULT_OUT)/table.txt || fail=1; \
	cat $(FAULT_OUT)/table.txt; \
	exit $${fail:-0}

# The benchmark (Documentation/benchmark.rst): restart paths and ovlctl's
# own cost in the guests, unthrottled and throttled, then the table, JSON
# and plot in build/bench/. BENCH_SIZES and BENCH_OTHERS (MiB,
# comma-separated), BENCH_FILES, BENCH_RUNS, BENCH_BPS, BENCH_IOPS,
# BENCH_ONLY (test names); make check runs a smoke form with the selftests.
BENCH_KERNELS ?= stock-6.12 patched-6.12
BENCH_OUT = $(or $(OVLVOL_BUILD),build)/bench
bench:
	scripts/deps.sh
	@for k in $(BENCH_KERNELS); do \
		selftests/vm/run.sh --bench $$k || fail=1; \
	done; \
	scripts/bench-report.sh $(BENCH_OUT) $(BENCH_KERNELS) || fail=1; \
	exit $${fail:-0}

# libFuzzer on ovlctl's parsers, FUZZ_SECONDS per target (make check has a
# short run: selftests/host/fuzz_test.sh). Findings in build/fuzz/findings/.
FUZZ_SECONDS ?= 300
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) selftests/fuzz/run.sh

# README's set-up in a fresh debootstrap'd bookworm (slow: see the script).
check-fresh:
	scripts/check-fresh.sh

vm-test:
	@case " $(ALL_KERNELS) $(DEBUG_KERNELS) " in *" $(KERNEL) "*) ;; \
	*) echo "KERNEL must be one of: $(ALL_KERNELS) $(DEBUG_KERNELS)"; exit 2 ;; esac
	scripts/deps.sh
	selftests/vm/run.sh $(KERNEL)

# The kernel series (patches/): every prefix builds (both versions, or
# VER=6.12); refresh VER's series from a git tree (TREE=, BASE=).
patches-bisect:
	patches/bisect.sh $(VER)

patches-refresh:
	@[ -n "$(TREE)" ] && [ -n "$(VER)" ] || { echo "usage: make patches-refresh VER=6.12 TREE=<kernel git tree> [BASE=<commit>]"; exit 2; }
	patches/refresh.sh $(VER) $(TREE) $(BASE)

style:
	perl $(CHECKPATCH) --no-tree --strict --terse -f $(KERNEL_C)
	$(if $(PATCHES),perl $(CHECKPATCH) --no-tree --strict --terse $(PATCHES))
	clang-format --dry-run --Werror $(USER_C)

sparse:
	mkdir -p build
	$(MAKE) -C $(BUILD_KDIR) M=$(CURDIR) C=2 modules 2>&1 | tee build/sparse.log
	@! grep -E 'warning:|error:' build/sparse.log

install: module-install ovlctl-install

# DKMS: sources to $(DESTDIR)/usr/src/ovlvol-VERSION; without DESTDIR also
# dkms add, build and install for KERNELRELEASE.
DKMS_SRC := $(DESTDIR)/usr/src/$(PACKAGE_NAME)-$(PACKAGE_VERSION)
dkms-install:
	mkdir -p $(DKMS_SRC)
	cp -a Kbuild dkms.conf module include $(DKMS_SRC)/
	$(if $(DESTDIR),,dkms add -m $(PACKAGE_NAME) -v $(PACKAGE_VERSION) && \
		dkms install -m $(PACKAGE_NAME) -v $(PACKAGE_VERSION) -k $(KERNELRELEASE))

ovlctl-install: ovlctl
	install -D -m 0755 build/ovlctl/ovlctl $(DESTDIR)$(PREFIX)/sbin/ovlctl
	install -D -m 0644 tools/ovlctl/ovlctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/ovlctl.8
	install -D -m 0644 tools/ovlctl/ovlctl.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/ovlctl
	install -D -m 0644 tools/ovlctl/ovlctl-gc.service \
		$(DESTDIR)/lib/systemd/system/ovlctl-gc.service
	mkdir -p $(DESTDIR)$(PREFIX)/share/containers/oci/hooks.d
	sed 's|"/usr/sbin/ovlctl"|"$(PREFIX)/sbin/ovlctl"|' tools/ovlctl/ovlctl-hook.json \
		>$(DESTDIR)$(PREFIX)/share/containers/oci/hooks.d/ovlctl-hook.json
	chmod 0644 $(DESTDIR)$(PREFIX)/share/containers/oci/hooks.d/ovlctl-hook.json

module-install:
	$(NEED_KDIR)$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install

# Debian packages (debian/): ovlvol-dkms and ovlctl in build/deb/. Built in
# a copy of the tree (scripts/tree-files.sh) because dpkg-buildpackage
# writes to the parent directory. Fails on lintian errors and warnings.
DEB_DIR := build/deb
deb:
	scripts/deps.sh deb
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/src
	scripts/tree-files.sh | tar --null --no-recursion -T - -cf - | \
		tar -C $(DEB_DIR)/src --no-same-owner -xf -
	cd $(DEB_DIR)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage -us -uc -b
	mkdir -p $(DEB_DIR)/tmp # lintian leaves its mldbm-* files in TMPDIR
	TMPDIR=$(CURDIR)/$(DEB_DIR)/tmp lintian --fail-on error,warning $(DEB_DIR)/*.changes
	@ls -l $(DEB_DIR)/*.deb

clean:
	-$(MAKE) -C $(BUILD_KDIR) M=$(CURDIR) clean
	$(MAKE) -C selftests clean
	$(MAKE) -C tools/ovlctl clean
	rm -rf build

help:
	@echo "make            build the module (KDIR=$(or $(KDIR),<the guests' stock 6.12 headers>)),"
	@echo "                ovlctl and the selftests"
	@echo "make check      host tests, then every selftest in QEMU guests on"
	@echo "                $(ALL_KERNELS)"
	@echo "make demo       the volatile-restart story, in a QEMU guest"
	@echo "make vm-test KERNEL=<one of the above, or $(DEBUG_KERNELS)>"
	@echo "make check-debug  every guest test on the patched kernels with KASAN,"
	@echo "                kmemleak, lockdep and PROVE_RCU (slow)"
	@echo "make check-fresh  make demo, make check, make deb and the packages'"
	@echo "                install/purge in a fresh debootstrap'd bookworm (slow)"
	@echo "make deps       install build and test dependencies (apt, root)"
	@echo "make patches-bisect [VER=6.12]  build every prefix of the kernel series"
	@echo "make patches-refresh VER= TREE=  regenerate a series from a git tree"
	@echo "make fuzz       libFuzzer on ovlctl's parsers, FUZZ_SECONDS (300) each"
	@echo "make fault-test  crash rounds in the guests, FAULT_ROUNDS (10) per kernel"
	@echo "                (KERNELS=), and their table"
	@echo "make bench      the benchmark in the guests ($(BENCH_KERNELS)):"
	@echo "                table, JSON and plot in build/bench/"
	@echo "make style      checkpatch --strict, clang-format"
	@echo "make sparse     sparse (C=2) on the module"
	@echo "make install    install the module and ovlctl (DESTDIR, PREFIX, KDIR)"
	@echo "make dkms-install  the module's sources for DKMS (DESTDIR)"
	@echo "make deb        Debian packages ovlvol-dkms, ovlctl in build/deb/ (lintian-clean)"

.PHONY: patches-bisect patches-refresh all module ovlctl ovlctl-install dkms-install selftests deps check check-debug check-fresh fault-test bench fuzz demo vm-test style sparse install \
	module-install clean help deb
