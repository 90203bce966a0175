#!/bin/sh
# SPDX-License-Identifier: MIT
#
# load.sh REMOTE-PORT COLOCATED-PORT: the web servers under load from the
# host. wrk, 16 connections for 10 s, on each server: no socket errors, no
# answer other than 2xx/3xx, and some requests done (a run whose only
# errors are timeouts is made again, up to 3 runs). ab, 2000 keep-alive
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

# wrk_once PORT PATH NAME: one wrk run, judged; returns 0 if clean, 2 if
# its only errors were timeouts (a request unanswered for 5 s: on a loaded
# host QEMU's user network was seen holding requests for over 10 s), 1 for
# any other failure.
wrk_once()
{
	wrk -t 2 -c 16 -d 10s --timeout 5s "http://$HOST:$1$2" >"$T/wrk-$3.txt" 2>&1
	st=$?
	cat "$T/wrk-$3.txt"
	if [ $st != 0 ]; then
		why="wrk exited with status $st"
		return 1
	fi
	n=$(awk '/requests in/ {print $1}' "$T/wrk-$3.txt")
	errs=$(grep 'Socket errors' "$T/wrk-$3.txt")
	if grep -q 'Non-2xx' "$T/wrk-$3.txt"; then
		why=$(grep 'Non-2xx' "$T/wrk-$3.txt")
		return 1
	elif [ -z "$n" ] || [ "$n" -lt 1 ]; then
		why="no request done"
		return 1
	elif [ -n "$errs" ]; then
		why=$errs
		echo "$errs" | grep -qE '^ *Socket errors: connect 0, read 0, write 0, timeout [0-9]+$' &&
			return 2
		return 1
	fi
	return 0
}

# wrk_run PORT PATH NAME: wrk_once; a run whose only errors are timeouts
# is made again (up to 3 runs): a server that loses requests times out in
# every run, one that errs or answers non-2xx fails at once.
wrk_run()
{
	for try in 1 2 3; do
		wrk_once "$@"
		rc=$?
		cp "$T/wrk-$3.txt" "$T/wrk-$3-$try.txt" 2>/dev/null
		if [ $rc = 0 ]; then
			ok "wrk on $3: $n requests, no errors (run $try)"
			return
		fi
		[ $rc = 2 ] && [ $try -lt 3 ] || break
		echo "note: wrk on $3, run $try: $why; running it again"
	done
	bad "wrk on $3: $why"
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
