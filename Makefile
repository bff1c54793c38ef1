# SPDX-License-Identifier: GPL-2.0
#
# For people; kbuild reads Kbuild. `make help` lists the targets.

PACKAGE_NAME := ovlvol
PACKAGE_VERSION := 0.1.0

KERNELRELEASE ?= $(shell uname -r)
# The running kernel's build dir, else the newest Debian headers installed,
# else the guests' stock 6.12 headers, unpacked into the cache on first use
# (selftests/vm/kernel.sh; nothing is installed).
ifeq ($(origin KDIR),undefined)
KDIR := $(firstword $(wildcard /lib/modules/$(KERNELRELEASE)/build) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))
ifeq ($(KDIR),)
KDIR = $(eval KDIR := $(shell selftests/vm/kernel.sh kdir stock-6.12))$(KDIR)
endif
endif
DESTDIR ?=
PREFIX ?= /usr
KERNEL ?= stock-6.12
ALL_KERNELS := stock-6.1 stock-6.12 patched-6.1 patched-6.12

CHECKPATCH = $(shell scripts/linux-source-files.sh checkpatch)/checkpatch.pl
USER_C := $(wildcard tools/*/*.[ch] selftests/*.[ch] selftests/host/*.[ch])
KERNEL_C := $(wildcard module/*.[ch])
# Absolute paths: checkpatch misreads some relative patch paths as files.
PATCHES := $(abspath $(filter-out %/0000-cover-letter.patch,$(wildcard patches/*/[0-9]*.patch)))

all: module ovlctl selftests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

ovlctl:
	$(MAKE) -C tools/ovlctl VERSION=$(PACKAGE_VERSION)

selftests:
	$(MAKE) -C selftests

deps:
	scripts/deps.sh

check:
	scripts/check.sh

demo:
	scripts/demo.sh

# README's set-up in a fresh debootstrap'd bookworm (slow: see the script).
check-fresh:
	scripts/check-fresh.sh

vm-test:
	@case " $(ALL_KERNELS) " in *" $(KERNEL) "*) ;; \
	*) echo "KERNEL must be one of: $(ALL_KERNELS)"; exit 2 ;; esac
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
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules 2>&1 | tee build/sparse.log
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
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install

# Debian packages (debian/): ovlvol-dkms and ovlctl in build/deb/. Built in
# a copy of the tree (files git tracks or would track, as they are now;
# deleted ones left out) because dpkg-buildpackage writes to the parent
# directory. Fails on lintian errors and warnings.
DEB_DIR := build/deb
deb:
	scripts/deps.sh deb
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/src
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
		xargs -0 sh -c 'for f; do if [ -e "$$f" ] || [ -L "$$f" ]; \
			then printf "%s\0" "$$f"; fi; done' sh | \
		cpio -0 -pdm --quiet $(DEB_DIR)/src; \
	else \
		find . -mindepth 1 -maxdepth 1 ! -name build ! -name .git \
			-exec cp -a {} $(DEB_DIR)/src/ \; ; \
	fi
	cd $(DEB_DIR)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage -us -uc -b
	mkdir -p $(DEB_DIR)/tmp # lintian leaves its mldbm-* files in TMPDIR
	TMPDIR=$(CURDIR)/$(DEB_DIR)/tmp lintian --fail-on error,warning $(DEB_DIR)/*.changes
	@ls -l $(DEB_DIR)/*.deb

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C selftests clean
	$(MAKE) -C tools/ovlctl clean
	rm -rf build

help:
	@echo "make            build the module (KDIR=$(KDIR)), ovlctl and the selftests"
	@echo "make check      host tests, then every selftest in QEMU guests on"
	@echo "                $(ALL_KERNELS)"
	@echo "make demo       the volatile-restart story, in a QEMU guest"
	@echo "make vm-test KERNEL=<one of the above>"
	@echo "make check-fresh  make demo, make check, make deb and the packages'"
	@echo "                install/purge in a fresh debootstrap'd bookworm (slow)"
	@echo "make deps       install build and test dependencies (apt, root)"
	@echo "make patches-bisect [VER=6.12]  build every prefix of the kernel series"
	@echo "make patches-refresh VER= TREE=  regenerate a series from a git tree"
	@echo "make style      checkpatch --strict, clang-format"
	@echo "make sparse     sparse (C=2) on the module"
	@echo "make install    install the module and ovlctl (DESTDIR, PREFIX, KDIR)"
	@echo "make dkms-install  the module's sources for DKMS (DESTDIR)"
	@echo "make deb        Debian packages ovlvol-dkms, ovlctl in build/deb/ (lintian-clean)"

.PHONY: patches-bisect patches-refresh all module ovlctl ovlctl-install dkms-install selftests deps check check-fresh demo vm-test style sparse install \
	module-install clean help deb
