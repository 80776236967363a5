# SPDX-License-Identifier: GPL-2.0
#
# shadowvmx top-level Makefile.
#
#   make            build shadowvmx.ko against KDIR, the runner and selftests
#   make demo       scenario S1 under shadow paging and EPT, side by side
#                   (natively with VT-x and root, otherwise inside Bochs)
#   make check      every test: userspace MMU tests, module builds for Debian
#                   6.1 and 6.12 (W=1, warnings are errors), then the Bochs
#                   bench (selftests and runner on /dev/shadowvmx and /dev/kvm)
#   make check-debug  the selftests, runner tests and scenario guests on the
#                   bench's debug kernel (KASAN, lockdep, KFENCE, UBSAN,
#                   kmemleak; built once into the bench cache, ~1 h)
#   make fuzz       a longer ioctl-fuzzer campaign in Bochs (>= 1,000,000
#                   calls, tools/testing/fuzz; FUZZ_CALLS, FUZZ_SEED)
#   make kvm-selftests  the upstream KVM selftests (linux-source-6.1) in
#                   Bochs on shadowvmx (shadow, EPT) and kvm_intel (ept=1,
#                   ept=0); make check runs all but the ept=0 pass
#   make deps       install the Debian packages the build and tests need
#   make install    (root) the module for KDIR's release (updates/, depmod),
#                   svxrun and its man page under PREFIX (/usr/local), the
#                   udev rule (/dev/shadowvmx group kvm 0660), the uapi
#                   header; DESTDIR for a staging root.  make uninstall
#                   removes exactly that.
#   make dkms-install / dkms-uninstall   the module source under
#                   /usr/src/shadowvmx-VERSION, built by DKMS for every
#                   kernel with headers, now and after kernel updates
#   make clean
#
# KDIR defaults to the running kernel's build tree when it exists, else the
# newest installed /usr/src/linux-headers-*-amd64.

KDIR ?= $(shell d=/lib/modules/$$(uname -r)/build; \
	  if [ -d $$d ]; then echo $$d; else \
	  ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; fi)

.PHONY: all module tools deps demo check check-debug fuzz kvm-selftests clean install uninstall \
	dkms-install dkms-uninstall

PREFIX ?= /usr/local
DESTDIR ?=
# The release the module was built for (Debian's headers say 6.1.x in
# kernel.release; the module's vermagic has the package's 6.1.0-N-amd64).
# Without a built module (uninstall after clean): the running kernel's.
KRELEASE = $(shell if [ -f shadowvmx.ko ]; then \
	modinfo -F vermagic shadowvmx.ko | cut -d' ' -f1; else uname -r; fi)
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
MODDIR = $(DESTDIR)/lib/modules/$(KRELEASE)/updates
# What make install puts where; uninstall removes exactly these.
INSTALLED = $(MODDIR)/shadowvmx.ko $(DESTDIR)$(PREFIX)/bin/svxrun \
	$(DESTDIR)$(PREFIX)/share/man/man1/svxrun.1 \
	$(DESTDIR)/etc/udev/rules.d/60-shadowvmx.rules \
	$(DESTDIR)$(PREFIX)/include/linux/shadowvmx.h
# The files DKMS builds from.
MODULE_SRC = Kbuild dkms.conf core include irqchip mmu vmx uapi $(wildcard x86)

all: module tools

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools/runner
	$(MAKE) -C selftests

deps:
	scripts/deps.sh

demo:
	scripts/demo.sh

check:
	scripts/check.sh

check-debug:
	scripts/check-debug.sh

fuzz:
	tools/testing/fuzz/campaign.sh

kvm-selftests:
	tools/testing/kvm-selftests/bench.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools/runner clean
	$(MAKE) -C selftests clean
	$(MAKE) -C tools/lib clean
	$(MAKE) -C tools/testing/mmu clean
	$(MAKE) -C tools/testing/pit clean
	$(MAKE) -C tools/testing/fuzz clean
	$(MAKE) -C tools/testing/qemu clean
	rm -rf build

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates DEPMOD=true CONFIG_MODULE_SIG_ALL= \
		modules_install
	depmod -b $(or $(DESTDIR),/) $(KRELEASE)
	install -D -m 0755 tools/runner/build/svxrun $(DESTDIR)$(PREFIX)/bin/svxrun
	install -D -m 0644 packaging/svxrun.1 \
		$(DESTDIR)$(PREFIX)/share/man/man1/svxrun.1
	install -D -m 0644 packaging/60-shadowvmx.rules \
		$(DESTDIR)/etc/udev/rules.d/60-shadowvmx.rules
	install -D -m 0644 uapi/linux/shadowvmx.h \
		$(DESTDIR)$(PREFIX)/include/linux/shadowvmx.h
	@if [ -z "$(DESTDIR)" ] && command -v udevadm >/dev/null && \
	    [ -d /run/udev ]; then \
		udevadm control --reload && \
		udevadm trigger --subsystem-match=misc --sysname-match=shadowvmx; \
	fi

uninstall:
	rm -f $(INSTALLED)
	depmod -b $(or $(DESTDIR),/) $(KRELEASE)
	@if [ -z "$(DESTDIR)" ] && command -v udevadm >/dev/null && \
	    [ -d /run/udev ]; then udevadm control --reload; fi

dkms-install:
	-dkms remove -m shadowvmx -v $(VERSION) --all >/dev/null 2>&1
	rm -rf /usr/src/shadowvmx-$(VERSION)
	mkdir -p /usr/src/shadowvmx-$(VERSION)
	cp -a $(MODULE_SRC) /usr/src/shadowvmx-$(VERSION)/
	find /usr/src/shadowvmx-$(VERSION) \( -name '*.o' -o -name '*.ko' -o \
		-name '*.cmd' -o -name '*.mod*' \) -delete
	dkms add -m shadowvmx -v $(VERSION)
	dkms install -m shadowvmx -v $(VERSION) $(DKMS_KERNELS)

dkms-uninstall:
	-dkms remove -m shadowvmx -v $(VERSION) --all
	rm -rf /usr/src/shadowvmx-$(VERSION)
