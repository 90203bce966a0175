#!/bin/sh
# SPDX-License-Identifier: MIT
#
# quiet.sh MARK_ERE NOISE_ERE SECONDS: once the console of this boot shows
# a line matching MARK_ERE (within 60 s), waits SECONDS and checks that
# lines matching NOISE_ERE came before it and none after it: a program on a
# core that was fenced (stopped with an INIT IPI) printed till then and
# never again. Used by tests/system/failover-*.test.
. tests/system/net/lib.sh
LOG=$OUT/boot${BOOT:-1}.console

wait_console "$1" 60
sleep "$3"
tr -d '\r' <"$LOG" | sed 's/\x1b\[K//g' | awk -v mark="$1" -v noise="$2" '
	$0 ~ mark && !seen { seen = 1; next }
	$0 ~ noise { if (seen) after++; else before++ }
	END {
		printf "%d matching lines before the mark, %d after\n", before, after
		exit !(before > 0 && after == 0)
	}' && ok "nothing matching /$2/ after /$1/" ||
	fail "lines matching /$2/ after /$1/ (or none before it)"
