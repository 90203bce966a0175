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

# hold_open: 10 silent connections and 10 that stop inside the request
# head on each TCP server; their nc processes in PIDS.
hold_open()
{
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
}

# held PORT: the connections to host port PORT still established, counted
# on the client side (nc's sockets). One the guest closes or refuses is no
# longer established there: QEMU's user network passes the FIN or reset on.
held()
{
	ss -Htn state established "( dport = :$1 )" | wc -l
}

# held_counts: "N N N", the held connections on each TCP server
held_counts()
{
	echo "$(held "$H80") $(held "$H8080") $(held "$E")"
}

all_held()
{
	[ "$(held_counts)" = "20 20 20" ]
}

# every_server WHEN: one GET on each web server, a TCP and a UDP echo,
# each tried again for a while (a loaded host can delay any one answer).
# The TCP echo client waits for the answer before it closes (net-echo
# checks the case where it closes at once).
get_page()
{
	curl -sf -m 10 -o "$T/page" "http://$HOST:$1/" &&
		cmp -s "$T/page" "$WWW/index.html"
}
echo_tcp_wait()
{
	r=$( (printf 'still here\n'; sleep 1) | nc -N -w 10 $HOST "$E")
	[ "$r" = "still here" ]
}
every_server()
{
	for p in "$H80" "$H8080"; do
		if retry 20 get_page "$p"; then
			ok "$1: GET / on host port $p"
		else
			bad "$1: GET / on host port $p failed"
		fi
	done
	retry 20 echo_tcp_wait && ok "$1: TCP echo" || bad "$1: TCP echo gave '$r'"
	retry 20 echo_udp_once "$EU" && ok "$1: UDP echo" || bad "$1: UDP echo"
}

# The servers must answer while the held connections are open, so these
# are counted before and after. httpd closes a connection idle for 10 s
# (echod after 30 s): an attempt that took longer than 10 s on a slow host
# shows nothing either way and is made again, at most 3 times.
trap 'kill $PIDS 2>/dev/null' EXIT
attempt=1
while :; do
	begun=$(date +%s)
	hold_open
	if retry 5 all_held; then
		ok "60 connections established (20 on each TCP server)"
	else
		echo "note: established after 5 s: $(held_counts) of 20 20 20"
	fi
	every_server "with 60 connections held open"
	took=$(($(date +%s) - begun))
	n=$(held_counts)
	if [ "$n" = "20 20 20" ]; then
		ok "all 60 held connections were still open after $took s (20 on each TCP server)"
		break
	fi
	if [ "$took" -lt 10 ] || [ "$attempt" -ge 3 ]; then
		bad "held connections still open after $took s: $n of 20 20 20 (httpd $H80, httpd $H8080, echod $E)"
		break
	fi
	echo "note: attempt $attempt took $took s, longer than httpd's idle limit: held $n of 20 20 20; again"
	kill $PIDS 2>/dev/null
	attempt=$((attempt + 1))
	sleep 2
done
kill $PIDS 2>/dev/null
trap - EXIT
sleep 1
every_server "after the held connections closed"
finish
