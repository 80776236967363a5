# SPDX-License-Identifier: GPL-2.0
#
# Included by the Makefiles that link libsvxu: set SVXU_DIR (the path of
# tools/lib from the including Makefile) first.  Gives SVXU_LIB (the
# archive, a prerequisite that rebuilds it), SVXU_CFLAGS (its include
# paths) and SVXU_GUEST_CFLAGS (the guest-side header's).
SVXU_LIB		:= $(SVXU_DIR)/build/libsvxu.a
SVXU_CFLAGS		:= -I$(SVXU_DIR)
SVXU_GUEST_CFLAGS	:= -I$(SVXU_DIR)/guest

$(SVXU_LIB): FORCE
	@$(MAKE) -s --no-print-directory -C $(SVXU_DIR)

.PHONY: FORCE
FORCE:
