#!/bin/sh
# SPDX-License-Identifier: MIT
#
# httpd.sh PORT GUEST-PORT: what a user of the web server on host port PORT sees with
# curl and nc: the files of apps/httpd/www byte for byte, HEAD, keep-alive,
# and the error answers (404, 405, 400). Used by net-httpd.test for the
# httpd over channels and the co-located one.
. tests/system/net/lib.sh
P=$1
U=http://$HOST:$P
T=$OUT/httpd-$P
mkdir -p "$T"

wait_console "httpd: listening on port $2\$"
wait_http "$P"

for f in index.html style.css big.txt; do
	if ! curl -sf -m 20 -o "$T/$f" "$U/$f"; then
		bad "GET /$f"
	elif ! cmp "$T/$f" "$WWW/$f"; then
		bad "GET /$f differs from $WWW/$f"
	else
		ok "GET /$f is byte-identical ($(wc -c <"$T/$f") bytes)"
	fi
done
if curl -sf -m 10 -o "$T/root" "$U/" && cmp "$T/root" "$WWW/index.html"; then
	ok "GET / is index.html"
else
	bad "GET / is not index.html"
fi

# HEAD: the head GET would get, and no body.
curl -s -m 10 -I "$U/big.txt" | tr -d '\r' >"$T/head.txt"
if ! grep -qx 'HTTP/1.1 200 OK' "$T/head.txt"; then
	bad "HEAD /big.txt: status '$(head -1 "$T/head.txt")'"
elif ! grep -qix 'content-length: 65536' "$T/head.txt" ||
	! grep -qi '^content-type: text/plain' "$T/head.txt"; then
	bad "HEAD /big.txt without Content-Length 65536 or Content-Type text/plain"
else
	ok "HEAD /big.txt: 200 with Content-Length and Content-Type"
fi
# curl -I never reads a body, so look at the raw bytes as well: nothing may
# follow the empty line. HTTP/1.0: the server closes after the answer.
printf 'HEAD /big.txt HTTP/1.0\r\n\r\n' | nc -w 10 $HOST "$P" >"$T/head.raw"
after=$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); i=d.find(b"\r\n\r\n"); print(-1 if i<0 else len(d)-i-4)' "$T/head.raw")
if ! head -1 "$T/head.raw" | grep -q '^HTTP/1.1 200 OK'; then
	bad "raw HTTP/1.0 HEAD over nc: got '$(head -1 "$T/head.raw")' ($(wc -c <"$T/head.raw") bytes), not 200"
elif [ "$after" != 0 ]; then
	bad "raw HEAD: $after bytes after the head (-1: no end of head)"
else
	ok "raw HTTP/1.0 HEAD: headers and no body"
fi

# Keep-alive: two URLs in one curl call share one connection.
curl -sf -m 20 -v -o /dev/null -o /dev/null "$U/" "$U/style.css" \
	>"$T/keepalive.txt" 2>&1 || bad "two GETs in one curl call"
if ! grep -q 'Re-using existing connection' "$T/keepalive.txt" ||
	[ "$(grep -c '^\* Connected to' "$T/keepalive.txt")" != 1 ]; then
	bad "keep-alive: the second request did not reuse the connection ($T/keepalive.txt)"
else
	ok "keep-alive: the second request reused the connection"
fi

s=$(status_of GET "$U/nosuch.html")
[ "$s" = 404 ] && ok "404 for an unknown path" || bad "GET /nosuch.html gave $s, not 404"
for m in POST DELETE; do
	curl -s -m 10 -D "$T/h405" -o /dev/null -X $m -d data "$U/"
	tr -d '\r' <"$T/h405" >"$T/h405.txt"
	if ! head -1 "$T/h405.txt" | grep -q '^HTTP/1.1 405 '; then
		bad "$m / gave '$(head -1 "$T/h405.txt")', not 405"
	elif ! grep -qix 'allow: GET, HEAD' "$T/h405.txt"; then
		bad "$m /: 405 without Allow: GET, HEAD"
	else
		ok "405 with Allow: GET, HEAD for $m"
	fi
done

# Malformed requests, typed raw: the server answers 400 and closes (nc
# ends when it does; -w bounds the wait).
# bad400 WHAT REQUEST (a printf format)
bad400()
{
	printf "$2" | nc -w 10 $HOST "$P" >"$T/bad.txt"
	if head -1 "$T/bad.txt" | tr -d '\r' | grep -qx 'HTTP/1.1 400 Bad Request'; then
		ok "400 for $1"
	else
		bad "$1 got '$(head -1 "$T/bad.txt")' ($(wc -c <"$T/bad.txt") bytes), not 400"
	fi
}
bad400 "two spaces in the request line" 'GET  / HTTP/1.1\r\nHost: x\r\n\r\n'
bad400 "a fourth word in the request line" 'GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n'
bad400 "a request line without version" 'GET /\r\n\r\n'
bad400 "HTTP/1.1 without Host" 'GET / HTTP/1.1\r\n\r\n'
bad400 "a path above the root" 'GET /../../etc HTTP/1.1\r\nHost: x\r\n\r\n'

# Still serving after all that.
if curl -sf -m 10 -o "$T/again" "$U/" && cmp -s "$T/again" "$WWW/index.html"; then
	ok "still serving after the bad requests"
else
	bad "GET / after the bad requests"
fi
finish
