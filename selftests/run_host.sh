#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the built selftests (build/) on this host against DEVICE (default
# /dev/kvm) and print "selftests[DEVICE]: N passed, M failed".  Same counting
# as run_in_vm.sh (which it calls with the suite "dev:DEVICE").  SVX_MODULE
# may name the module for the rmmod test.
#   usage: selftests/run_host.sh [DEVICE]
here=$(cd "$(dirname "$0")" && pwd)
SVX_TESTS_DIR=${SVX_TESTS_DIR:-$here/build} SVX_SUITES="dev:${1:-/dev/kvm}" \
	exec sh "$here/run_in_vm.sh"
