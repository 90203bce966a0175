#!/bin/sh
# SPDX-License-Identifier: MIT
#
# counters.sh traffic PORT CLOSED-PORT | counters.sh compare
#
# For tests/system/net-counters.test, around two `net` commands typed in
# the shell. `traffic` (after the first `net`): 20 page loads from the
# httpd on host port PORT, then one connection to CLOSED-PORT, a host port
# QEMU forwards to a guest port nobody listens on: lwIP answers the SYN
# with a reset and counts it as a dropped segment (drop_tcp). `compare`
# (after the second `net`): of the console's last two `net` answers, the
# second must show rx_frames and tx_frames grown by at least 60 (20
# requests and answers, with their handshakes and acks), drop_tcp grown by
# at least 1, the other drops unchanged, and its `net: drops` line the sum
# of the drop_ counters.
. tests/system/net/lib.sh

# nth_value N NAME: counter NAME in the console's Nth-last `net` answer
nth_value()
{
	tr -d '\r' <"$OUT/boot${BOOT:-1}.console" |
		awk -v n="$1" -v name="$2" '
		$1 == name && NF >= 3 { v[++k] = $2 }
		END { if (k >= n) print v[k - n + 1] }'
}

case $1 in
traffic)
	wait_http "$2"
	i=0
	while [ $i -lt 20 ]; do
		curl -sf -o /dev/null -m 10 "http://$HOST:$2/" ||
			bad "page load $i failed"
		i=$((i + 1))
	done
	ok "20 page loads"
	# refused by the guest: curl sees a reset or an empty reply
	curl -s -o /dev/null -m 10 "http://$HOST:$3/" && bad "port $3 answered"
	ok "a connection to a guest port nobody listens on"
	finish
	;;
compare)
	for name in rx_frames tx_frames drop_tcp drop_rx_bad drop_rx_nobuf \
	    drop_rx_device drop_tx_backlog drop_tx_device drop_tx_too_big \
	    drop_udp_queue drop_accept drop_mem; do
		a=$(nth_value 2 $name)
		b=$(nth_value 1 $name)
		if [ -z "$a" ] || [ -z "$b" ]; then
			bad "$name: not in both \`net\` answers ('$a', '$b')"
			continue
		fi
		case $name in
		rx_frames | tx_frames) want=60 ;;
		drop_tcp) want=1 ;;
		*) want=0 ;;
		esac
		grown=$((b - a))
		if [ $want = 0 ] && [ $grown != 0 ]; then
			bad "$name went from $a to $b with no cause"
		elif [ $grown -lt $want ]; then
			bad "$name went from $a to $b (at least +$want expected)"
		else
			ok "$name: $a -> $b"
		fi
	done
	sum=$(tr -d '\r' <"$OUT/boot${BOOT:-1}.console" | awk '
		/^ *net *$/ || /^> *net *$/ { s = 0 }
		$1 ~ /^drop_/ && NF >= 3 { s += $2 }
		/^net: drops / { last = $3; lsum = s }
		END { print lsum " " last }')
	set -- $sum
	[ -n "$1" ] && [ "$1" = "$2" ] && ok "net: drops $2 is the sum" ||
		bad "net: drops line '$2' is not the sum of the drop_ counters '$1'"
	finish
	;;
*)
	fail "usage: counters.sh traffic PORT CLOSED-PORT | compare"
	;;
esac
