#!/bin/sh
# SPDX-License-Identifier: MIT
#
# abuse.sh HTTP-PORT HTTP-COLOCATED-PORT ECHO-PORT ECHO-UDP-PORT: garbage
# and half-open connections do not stop any server. Each TCP server gets
# random binary bytes, a TLS ClientHello, and half a request cut off by a
# close; UDP echo gets random datagrams. Then 10 connections that send
# nothing and 10 that send part of a request head are held open on each
# TCP server, and while they still are, every server answers: GET / on
# both web servers, a TCP echo and a UDP echo. The held ones are killed at
# the end and the servers checked once more.
. tests/system/net/lib.sh
H80=$1
H8080=$2
E=$3
EU=$4
T=$OUT/abuse
mkdir -p "$T"

wait_console "httpd: listening on port 80\$"
wait_console "httpd: listening on port 8080\$"
wait_console "echod: tcp 7 udp 7"
wait_http "$H80"
wait_http "$H8080"

# A TLS 1.2 ClientHello head, what a browser sends to https:// by mistake.
TLS='\026\003\001\000\245\001\000\000\241\003\003\000\001\002\003\004\005\006\007'
head -c 4096 /dev/urandom >"$T/garbage"
for p in "$H80" "$H8080" "$E"; do
	nc -w 3 $HOST "$p" <"$T/garbage" >/dev/null 2>&1
	printf "$TLS" | nc -w 3 $HOST "$p" >/dev/null 2>&1
	printf 'GET /index.html HTTP/1.1\r\nHost: x\r\nAcc' | nc -N -w 3 $HOST "$p" >/dev/null 2>&1
	printf '\r\n\r\n\000\377\000\377' | nc -N -w 3 $HOST "$p" >/dev/null 2>&1
done
for i in 1 2 3 4 5; do
	head -c $((i * 150)) /dev/urandom | socat -T 1 - "UDP:$HOST:$EU" >/dev/null 2>&1
done
ok "garbage sent to every server"

# Held-open connections: silent ones, and ones that stop inside the head.
PIDS=
for p in "$H80" "$H8080" "$E"; do
	for i in $(seq 10); do
		sleep 120 | nc $HOST "$p" >/dev/null 2>&1 &
		PIDS="$PIDS $!"
		(printf 'GET / HTTP/1.1\r\nHost: x\r\nUser-Ag'; sleep 120) |
			nc $HOST "$p" >/dev/null 2>&1 &
		PIDS="$PIDS $!"
	done
done
trap 'kill $PIDS 2>/dev/null' EXIT
sleep 1
ok "60 connections held open (20 on each TCP server)"

# every_server WHEN: one GET on each web server, a TCP and a UDP echo. The
# TCP echo client waits for the answer before it closes (net-echo checks
# the case where it closes at once).
every_server()
{
	for p in "$H80" "$H8080"; do
		if curl -sf -m 5 -o "$T/page" "http://$HOST:$p/" &&
			cmp -s "$T/page" "$WWW/index.html"; then
			ok "$1: GET / on host port $p"
		else
			bad "$1: GET / on host port $p failed"
		fi
	done
	r=$( (printf 'still here\n'; sleep 1) | nc -N -w 5 $HOST "$E")
	[ "$r" = "still here" ] && ok "$1: TCP echo" || bad "$1: TCP echo gave '$r'"
	retry 5 echo_udp_once "$EU" && ok "$1: UDP echo" || bad "$1: UDP echo"
}
every_server "with 60 connections held open"
# Were they still open all along (httpd closes idle ones after 10 s)?
n=0
for pid in $PIDS; do
	kill -0 "$pid" 2>/dev/null && n=$((n + 1))
done
[ "$n" = 60 ] && ok "all 60 held connections were still open" ||
	bad "only $n of 60 held connections were still open"
kill $PIDS 2>/dev/null
trap - EXIT
sleep 1
every_server "after the held connections closed"
finish
