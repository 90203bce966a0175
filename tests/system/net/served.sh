#!/bin/sh
# SPDX-License-Identifier: MIT
#
# served.sh HTTP-PORT HTTP-COLOCATED-PORT ECHO-PORT ECHO-UDP-PORT: every
# server answers again, each within about 15 s (after the network device
# moved, netd restarts on the new core with its httpd, and the programs
# over channels bind to it again): GET / and /big.txt byte for byte on
# both web servers, a TCP echo and a UDP echo. Used by net-move.test.
. tests/system/net/lib.sh
T=$OUT/served
mkdir -p "$T"

# get PORT PATH: GET PATH equals the file in www/.
get()
{
	curl -sf -m 5 -o "$T/got" "http://$HOST:$1$2" &&
		cmp -s "$T/got" "$WWW${2%/}$( [ "$2" = / ] && echo /index.html)"
}
tcp_echo()
{
	[ "$( (printf 'after the move\n'; sleep 1) | nc -N -w 5 $HOST "$1")" = "after the move" ]
}

start=$(date +%s)
for p in "$1" "$2"; do
	if retry 15 get "$p" /; then
		ok "GET / on host port $p after $(($(date +%s) - start)) s"
		get "$p" /big.txt && ok "GET /big.txt on host port $p" ||
			bad "GET /big.txt on host port $p"
	else
		bad "no GET / on host port $p within 15 s"
	fi
done
retry 15 tcp_echo "$3" && ok "TCP echo" || bad "no TCP echo within 15 s"
retry 15 echo_udp_once "$4" && ok "UDP echo" || bad "no UDP echo within 15 s"
finish
