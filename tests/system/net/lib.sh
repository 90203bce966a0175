# SPDX-License-Identifier: MIT
#
# Shell helpers for the network system tests (tests/system/net-*.test),
# sourced by the scripts in this folder. They run on the host, from the top
# of the tree, with the harness's environment (OUT, PORT_80, PORT_7_UDP...).
# Every check prints what it checks (ok: or FAIL:); a script goes on after
# a failed check where it can and exits 1 at the end, so the log shows
# every failure and the harness the last of them.

WWW=apps/httpd/www
HOST=127.0.0.1

FAILED=0

# fail MESSAGE: a check that the rest cannot go on without failed.
fail()
{
	echo "FAIL: $*"
	exit 1
}

# bad MESSAGE: a check failed; the others still run (see finish).
bad()
{
	echo "FAIL: $*"
	FAILED=$((FAILED + 1))
}

# ok MESSAGE
ok()
{
	echo "ok: $*"
}

# finish: exits 1 if any check failed.
finish()
{
	[ "$FAILED" = 0 ] || fail "$FAILED check(s) failed"
	echo "all checks passed"
}

# retry SECONDS COMMAND...: runs COMMAND until it succeeds, at most about
# SECONDS seconds (twice a second); returns its last status.
retry()
{
	_end=$(($(date +%s) + $1))
	shift
	while :; do
		"$@" && return 0
		_rc=$?
		[ "$(date +%s)" -ge "$_end" ] && return $_rc
		sleep 0.5
	done
}

# console_has ERE: the console of this boot has a line matching ERE.
console_has()
{
	tr -d '\r' <"$OUT/boot${BOOT:-1}.console" | grep -qE -- "$1"
}

# wait_console ERE [SECONDS]: waits until the console of this boot shows a
# line matching ERE (default 30 s): a server's "listening" line.
wait_console()
{
	retry "${2:-30}" console_has "$1" ||
		fail "the console never showed /$1/"
}

# http_up PORT: GET / answers 200 within 3 s.
http_up()
{
	curl -sf -o /dev/null -m 3 "http://$HOST:$1/"
}

# wait_http PORT [SECONDS]: waits until httpd on PORT answers (default 20 s).
wait_http()
{
	retry "${2:-20}" http_up "$1" || fail "no answer from httpd on host port $1"
	ok "httpd on host port $1 answers"
}

# echo_tcp_once PORT: a short TCP echo round trip.
echo_tcp_once()
{
	[ "$(printf 'ping\n' | nc -N -w 5 $HOST "$1")" = ping ]
}

# echo_udp_once PORT: a short UDP echo round trip.
echo_udp_once()
{
	[ "$(printf 'ping-udp' | socat -T 3 - "UDP:$HOST:$1")" = ping-udp ]
}

# status_of METHOD URL: prints the HTTP status code of one request.
status_of()
{
	curl -s -o /dev/null -m 10 -w '%{http_code}' -X "$1" "$2"
}
