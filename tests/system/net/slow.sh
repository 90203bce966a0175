#!/bin/sh
# SPDX-License-Identifier: MIT
#
# slow.sh HTTP-PORT HTTP-PORT-2 ECHO-PORT: slow and idle clients hold no
# server (docs/httpd.md, "Limits"). In turn on each web server and on TCP
# echo: 48 connections trickle (a request body, or bytes to echo, one
# byte every 9 s) and 48 sit idle after one request
# (site_scons/ostest/slowclients.py); once the server has answered or closed
# each of them, and while they are open, curl gets a page (echo: an echo
# comes back). No timing is checked beyond the script's own bound of
# 60 s; the seconds taken are printed for information.
. tests/system/net/lib.sh
T=$OUT/slow
mkdir -p "$T"

wait_console "httpd: listening on port 80\$"
wait_console "httpd: listening on port 8080"
wait_console "echod: tcp 7 udp 7"
wait_http "$1"
wait_http "$2"
retry 20 echo_tcp_once "$3" || fail "no echo on host port $3"

# page PORT: one GET / (5 s at most), the page byte for byte
page()
{
	rm -f "$T/page.$1"
	curl -sSf -m 5 -o "$T/page.$1" "http://$HOST:$1/" 2>&1 |
		sed "s/^/  ($(($(date +%s) - START)) s) /"
	cmp -s "$T/page.$1" "$WWW/index.html"
}
# within: COMMAND succeeds while the slow clients are still there (the
# script gives up 60 s after they started)
within()
{
	while kill -0 $SLOW 2>/dev/null; do
		"$@" && return 0
		[ "$(date +%s)" -lt $((START + 60)) ] || return 1
		sleep 0.5
	done
	return 1
}
# slow_then KIND:PORT WHAT COMMAND...: COMMAND succeeds while 96 slow
# clients of KIND:PORT are open
slow_then()
{
	what=$2
	log=$T/slow.$(echo "$1" | tr : -).log
	rm -f "$T/ready"
	START=$(date +%s)
	python3 site_scons/ostest/slowclients.py "$T/ready" 120 "$1" >"$log" 2>&1 &
	SLOW=$!
	shift 2
	if ! retry 60 test -e "$T/ready"; then
		bad "$what: the slow clients could not connect"
	elif within "$@"; then
		ok "$what, with 96 slow clients open ($(($(date +%s) - START)) s after the first)"
	else
		bad "$what: not while the slow clients were open"
	fi
	kill $SLOW 2>/dev/null
	wait $SLOW
	cat "$log"
}
trap 'kill $SLOW 2>/dev/null' EXIT
slow_then "http:$1" "httpd (core 2) served a page" page "$1"
slow_then "http:$2" "the co-located httpd served a page" page "$2"
slow_then "echo:$3" "echod echoed" echo_tcp_once "$3"
trap - EXIT
retry 20 http_up "$1" && retry 20 http_up "$2" &&
	retry 20 echo_tcp_once "$3" &&
	ok "every server answers after the slow clients left" ||
	bad "no answer after the slow clients left"
finish
