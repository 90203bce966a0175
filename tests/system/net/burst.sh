#!/bin/sh
# SPDX-License-Identifier: MIT
#
# burst.sh open PORT N | burst.sh check
#
# For tests/system/net-burst.test. `open`: as the first traffic of the
# boot (netd does not know the gateway's hardware address yet), N
# connections at once to the httpd on host port PORT, each a GET that must
# answer 200. Every SYN-ACK then waits for the same ARP answer; lwIP's
# default kept only the last frame per unresolved address, so all but one
# were lost and the host's side sent its SYN again 1-3 s later. `check`
# (after a `net` typed in the shell): no TCP segment was sent again and
# no drop counter moved.
. tests/system/net/lib.sh

# last_value NAME: counter NAME in the console's last `net` answer
last_value()
{
	tr -d '\r' <"$OUT/boot${BOOT:-1}.console" |
		awk -v name="$1" '$1 == name && NF >= 3 { v = $2 } END { print v }'
}

case $1 in
open)
	# The harness lets a host: line go once the expect: lines above it
	# matched, not the expect-any: ones; and a regex ending in "80$" also
	# matches "port 8080" while half of it is written. So the whole line
	# (its \r) is waited for here, in the raw console.
	line=$(printf 'httpd: listening on port 80\r')
	retry 30 grep -q "$line" "$OUT/boot${BOOT:-1}.console" ||
		fail "the console never showed httpd listening on port 80"
	# one curl, all transfers started together (not one process after
	# another, which lets the first ARP answer come before most SYNs)
	urls=
	i=0
	while [ $i -lt "$3" ]; do
		urls="$urls -o /dev/null http://$HOST:$2/?$i"
		i=$((i + 1))
	done
	codes=$(curl -s -Z --parallel-immediate --parallel-max "$3" -m 40 \
	    -w '%{http_code} %{time_total}s\n' $urls)
	n200=$(printf '%s\n' "$codes" | grep -c '^200 ')
	# judged by `check`, after the `net` that shows netd's side of it
	[ "$n200" = "$3" ] &&
		echo "ok: $3 connections at once: all answered 200" >"$OUT/burst" ||
		echo "FAIL: $3 connections at once: $n200 answered 200" \
		    "(codes: $(echo $codes))" >"$OUT/burst"
	cat "$OUT/burst"
	;;
check)
	cat "$OUT/burst" 2>/dev/null || bad "no result from \`open\`"
	grep -q '^FAIL' "$OUT/burst" 2>/dev/null && FAILED=$((FAILED + 1))
	for name in tcp_retransmits drop_link drop_mem drop_rx_nobuf \
	    drop_tx_backlog drop_tx_device drop_accept; do
		v=$(last_value $name)
		[ -z "$v" ] && { bad "$name: not in the \`net\` answer"; continue; }
		[ "$v" = 0 ] && ok "$name: 0" || bad "$name: $v (0 expected)"
	done
	finish
	;;
*)
	fail "usage: burst.sh open PORT N | burst.sh check"
	;;
esac
