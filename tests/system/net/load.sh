#!/bin/sh
# SPDX-License-Identifier: MIT
#
# load.sh REMOTE-PORT COLOCATED-PORT: the web servers under load from the
# host. wrk, 16 connections for 10 s, on each server: no socket errors, no
# answer other than 2xx/3xx, and some requests done. ab, 2000 keep-alive
# requests 16 at a time, on both servers (and 500 of big.txt on the remote
# one): no failed request, all complete. The tools' output stays in
# $OUT/load/ to read the numbers; they are not judged (timings belong in
# benchmarks).
. tests/system/net/lib.sh
R=$1
C=$2
T=$OUT/load
mkdir -p "$T"

wait_console "httpd: listening on port 80\$"
wait_console "httpd: listening on port 8080\$"
wait_http "$R"
wait_http "$C"

# wrk run: PORT PATH NAME
wrk_run()
{
	wrk -t 2 -c 16 -d 10s --timeout 5s "http://$HOST:$1$2" >"$T/wrk-$3.txt" 2>&1 ||
		bad "wrk on $3 exited with status $?"
	cat "$T/wrk-$3.txt"
	n=$(awk '/requests in/ {print $1}' "$T/wrk-$3.txt")
	if grep -q 'Socket errors' "$T/wrk-$3.txt"; then
		bad "wrk on $3: $(grep 'Socket errors' "$T/wrk-$3.txt")"
	elif grep -q 'Non-2xx' "$T/wrk-$3.txt"; then
		bad "wrk on $3: $(grep 'Non-2xx' "$T/wrk-$3.txt")"
	elif [ -z "$n" ] || [ "$n" -lt 1 ]; then
		bad "wrk on $3: no request done"
	else
		ok "wrk on $3: $n requests, no errors"
	fi
}

# ab run: PORT PATH NAME [REQUESTS]
ab_run()
{
	N=${4:-2000}
	ab -n $N -c 16 -k -s 10 "http://$HOST:$1$2" >"$T/ab-$3.txt" 2>&1 ||
		bad "ab on $3 exited with status $?"
	grep -E 'Complete requests|Failed requests|Non-2xx|Keep-Alive requests|Requests per second' "$T/ab-$3.txt"
	if ! grep -qE "^Complete requests: +$N\$" "$T/ab-$3.txt"; then
		bad "ab on $3: not all $N requests complete ($(tail -2 "$T/ab-$3.txt"))"
	elif ! grep -qE '^Failed requests: +0$' "$T/ab-$3.txt"; then
		bad "ab on $3: $(grep -A3 'Failed requests' "$T/ab-$3.txt")"
	elif grep -q 'Non-2xx' "$T/ab-$3.txt"; then
		bad "ab on $3: $(grep 'Non-2xx' "$T/ab-$3.txt")"
	else
		ok "ab on $3: $N requests, none failed"
	fi
}

wrk_run "$R" / remote
wrk_run "$C" / colocated
ab_run "$R" / remote
ab_run "$C" / colocated
ab_run "$R" /big.txt remote-big 500
finish
