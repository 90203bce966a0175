#!/bin/sh
# SPDX-License-Identifier: MIT
#
# echo.sh TCP-PORT UDP-PORT: echod from the host: TCP gives back exactly
# the bytes sent (a few bytes, then 1 MiB of random bytes, compared with
# cmp), UDP gives back each datagram exactly (8 and 1000 bytes: programs
# over channels are limited to 1000-byte datagrams, docs/network.md). Used by net-echo.test.
. tests/system/net/lib.sh
TP=$1
UP=$2
T=$OUT/echo
mkdir -p "$T"

wait_console "echod: tcp 7 udp 7"
# A short echo where the client closes at once (the answer then comes
# after the client's FIN), and one where it waits; each tried again for
# up to 30 s (a loaded host can delay one answer past nc's limit).
if retry 30 echo_tcp_once "$TP"; then
	ok "TCP echo of a short line, client closing at once"
else
	bad "TCP echo of a short line (client closing at once) came back empty or wrong"
fi
echo_tcp_wait()
{
	r=$( (printf 'ping\n'; sleep 1) | nc -N -w 10 $HOST "$TP")
	[ "$r" = ping ]
}
retry 30 echo_tcp_wait && ok "TCP echo of a short line" || bad "TCP echo of a short line gave '$r'"

# The client closes its side once all is sent; echod sends back the rest
# and closes. socat -t: how long to wait for that after our EOF.
head -c 1048576 /dev/urandom >"$T/tcp.in"
socat -t 20 -T 30 - "TCP:$HOST:$TP" <"$T/tcp.in" >"$T/tcp.out"
if cmp "$T/tcp.in" "$T/tcp.out"; then
	ok "TCP echo of 1 MiB is byte-identical"
else
	bad "TCP echo of 1 MiB: sent 1048576 bytes, got $(wc -c <"$T/tcp.out")"
fi

udp()
{
	head -c "$1" /dev/urandom >"$T/udp.in"
	retry 10 sh -c "socat -T 3 - UDP:$HOST:$UP <'$T/udp.in' >'$T/udp.out' &&
		cmp -s '$T/udp.in' '$T/udp.out'"
}
for n in 8 1000; do
	if udp $n; then
		ok "UDP echo of a $n-byte datagram is exact"
	else
		bad "UDP echo of $n bytes: got $(wc -c <"$T/udp.out") bytes back (or other bytes)"
	fi
done
# Beyond the documented limit: say what happens, do not judge it.
head -c 1472 /dev/urandom >"$T/udp.in"
socat -T 3 - "UDP:$HOST:$UP" <"$T/udp.in" >"$T/udp.out"
cmp -s "$T/udp.in" "$T/udp.out" || echo "note: a 1472-byte datagram came back as $(wc -c <"$T/udp.out") bytes (limit of 1000 over channels)"
finish
