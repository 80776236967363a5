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
#   make deps       install the Debian packages the build and tests need
#   make clean
#
# KDIR defaults to the running kernel's build tree when it exists, else the
# newest installed /usr/src/linux-headers-*-amd64.

KDIR ?= $(shell d=/lib/modules/$$(uname -r)/build; \
	  if [ -d $$d ]; then echo $$d; else \
	  ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; fi)

.PHONY: all module tools deps demo check clean

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

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools/runner clean
	$(MAKE) -C selftests clean
	$(MAKE) -C tools/lib clean
	$(MAKE) -C tools/testing/mmu clean
	rm -rf build
