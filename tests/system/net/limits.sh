#!/bin/sh
# SPDX-License-Identifier: MIT
#
# limits.sh HTTP-PORT: the web server's limits (apps/httpd/httpd.h,
# docs/httpd.md): at most 32 connections served at once, a 33rd is
# served and the connection that waited longest is closed to make room;
# a connection silent after its request is closed (10 s idle deadline);
# a request head trickled a byte every 2 s is cut (30 s request
# deadline). No timing is checked beyond
# "closed within a generous bound" (4 or 3 times the deadline).
. tests/system/net/lib.sh
P=$1
T=$OUT/limits
mkdir -p "$T"
REQ='GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n'

wait_console "httpd: listening on port 80\$"
wait_http "$P"

# The cap: 32 connections that send a request every 2 s (never idle), each
# answered at least once, so all 32 are being served.
PIDS=
for i in $(seq 32); do
	(for k in $(seq 60); do printf "$REQ"; sleep 2; done) |
		nc $HOST "$P" >"$T/held.$i" 2>&1 &
	PIDS="$PIDS $!"
done
trap 'kill $PIDS 2>/dev/null' EXIT
served()
{
	for i in $(seq 32); do
		grep -q '^HTTP/1.1 200' "$T/held.$i" || return 1
	done
}
retry 60 served || fail "not all 32 held connections were answered"
ok "32 connections served at once"
# the 33rd: served at once; the held connection that waited longest
# since its last request made room (evicted: closed by the server).
# socat ends when the server closes; its input, a FIFO, stays open.
mkfifo "$T/extra.in" "$T/idle.in" "$T/slow.in"
timeout 40 socat - "TCP:$HOST:$P" <"$T/extra.in" >"$T/extra" 2>&1 &
X=$!
exec 3>"$T/extra.in"
printf "$REQ" >&3
answered()
{
	grep -q '^HTTP/1.1 200' "$T/extra"
}
retry 30 answered && ok "a 33rd connection was served at once" ||
	bad "the 33rd connection was not answered: $(head -c 80 "$T/extra")"
exec 3>&-
wait $X
# the others are still open and served: each but the evicted one gets
# more answers
for i in $(seq 32); do
	grep -c '^HTTP/1.1 200' "$T/held.$i" >"$T/count.$i"
done
more()
{
	n=0
	for i in $(seq 32); do
		[ "$(grep -c '^HTTP/1.1 200' "$T/held.$i")" -gt "$(cat "$T/count.$i")" ] &&
			n=$((n + 1))
	done
	[ "$n" -ge 31 ]
}
retry 30 more && ok "31 of the 32 held connections are still served" ||
	bad "fewer than 31 held connections were served on"
kill $PIDS 2>/dev/null
trap - EXIT
retry 30 http_up "$P" && ok "served again once they closed" ||
	bad "no answer after the held connections closed"

# The idle deadline: a request answered, then silence until the server
# closes (within 40 s; the deadline is 10 s).
timeout 40 socat - "TCP:$HOST:$P" <"$T/idle.in" >"$T/idle" 2>&1 &
IDLE=$!
exec 4>"$T/idle.in"
printf "$REQ" >&4
# The request deadline: one byte every 2 s, never a whole head, never 10 s
# silent; cut within 90 s (the request deadline is 30 s).
timeout 90 socat - "TCP:$HOST:$P" <"$T/slow.in" >"$T/slow" 2>&1 &
SLOW=$!
exec 5>"$T/slow.in"
(printf 'GET / HTTP/1.1\r\nHost: x\r\n'; for k in $(seq 100); do printf 'X'; sleep 2; done) >&5 2>/dev/null &
TRICKLE=$!
exec 5>&-
wait $IDLE
rc=$?
if [ "$rc" = 124 ]; then
	bad "an idle connection was still open after 40 s"
elif ! grep -q '^HTTP/1.1 200' "$T/idle"; then
	bad "the idle connection's request was not answered"
else
	ok "an idle connection was closed after its answer"
fi
wait $SLOW
rc=$?
exec 4>&-
kill $TRICKLE 2>/dev/null
if [ "$rc" = 124 ]; then
	bad "a trickled request head was still open after 90 s"
elif [ -s "$T/slow" ]; then
	bad "the trickled head was answered: $(head -c 80 "$T/slow")"
else
	ok "a trickled request head was cut"
fi
retry 20 http_up "$P" && ok "still serving" || bad "no answer at the end"
finish
