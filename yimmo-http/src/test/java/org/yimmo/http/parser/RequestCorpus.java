package org.yimmo.http.parser;

import java.util.List;

/**
 * Requests written from RFC 9112 and RFC 9110, each with its expected outcome: the head as
 * {@link Feeds#describe} renders it and the bytes consumed, or "E" and the status.
 */
final class RequestCorpus {

    record Entry(String name, String request, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private RequestCorpus() {
    }

    private static Entry ok(String name, String request, String expected) {
        return new Entry(name, request, expected);
    }

    private static Entry bad(String name, int status, String request) {
        return new Entry(name, request, "E" + status);
    }

    static final List<Entry> ENTRIES = List.of(
            // --- valid ---
            ok("minimal GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
                    "GET / HTTP/1.1 [Host=a] keep @27"),
            ok("HTTP/1.0 without Host", "GET /x HTTP/1.0\r\n\r\n",
                    "GET /x HTTP/1.0 [] close @19"),
            ok("HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
                    "GET / HTTP/1.0 [Connection=Keep-Alive] keep @42"),
            ok("connection close in a list", "GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade, ,CLOSE \r\n\r\n",
                    "GET / HTTP/1.1 [Host=h|Connection=upgrade, ,CLOSE] close @57"),
            ok("OWS around value trimmed", "GET / HTTP/1.1\r\nHost:\t h \t\r\nX-Empty:\r\nX-Inner: a  b\r\n\r\n",
                    "GET / HTTP/1.1 [Host=h|X-Empty=|X-Inner=a  b] keep @55"),
            ok("content-length", "POST /upload?x=1&y=%20 HTTP/1.1\r\nHost: h\r\nContent-Length: 0012\r\n\r\nbody",
                    "POST /upload?x=1&y=%20 HTTP/1.1 [Host=h|Content-Length=0012] cl=12 keep @66"),
            ok("chunked", "PUT /p HTTP/1.1\r\nHost: h\r\ntransfer-encoding: Chunked\r\n\r\n",
                    "PUT /p HTTP/1.1 [Host=h|transfer-encoding=Chunked] chunked keep @56"),
            ok("expect 100-continue", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n",
                    "POST / HTTP/1.1 [Host=h|Expect=100-Continue|Content-Length=5] cl=5 keep 100 @69"),
            ok("expect ignored in 1.0", "POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n",
                    "POST / HTTP/1.0 [Expect=100-continue] close @41"),
            ok("leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
                    "GET / HTTP/1.1 [Host=h] keep @31"),
            ok("absolute-form", "GET http://example.com:8080/a?b HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
                    "GET http://example.com:8080/a?b HTTP/1.1 [Host=example.com:8080] keep @68"),
            ok("authority-form with CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
                    "CONNECT example.com:443 HTTP/1.1 [Host=example.com:443] keep @59"),
            ok("IPv6 authority-form", "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n",
                    "CONNECT [::1]:443 HTTP/1.1 [Host=[::1]:443] keep @47"),
            ok("asterisk-form with OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
                    "OPTIONS * HTTP/1.1 [Host=h] keep @31"),
            ok("extension method and tchar name", "M-SEARCH! / HTTP/1.1\r\nHost: h\r\nX~!#$%&'*+.^_`|: v\r\n\r\n",
                    "M-SEARCH! / HTTP/1.1 [Host=h|X~!#$%&'*+.^_`|=v] keep @53"),
            ok("obs-text in value", "GET / HTTP/1.1\r\nHost: h\r\nX: caf\u00e9 \u00ff\r\n\r\n",
                    "GET / HTTP/1.1 [Host=h|X=caf\u00e9 \u00ff] keep @38"),
            ok("empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n",
                    "GET / HTTP/1.1 [Host=] keep @25"),
            ok("HEAD", "HEAD /i HTTP/1.1\r\nHost: h\r\n\r\n",
                    "HEAD /i HTTP/1.1 [Host=h] keep @29"),
            ok("pipelined rest untouched", "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\n",
                    "GET / HTTP/1.1 [Host=h] keep @27"),

            // --- request line ---
            bad("lowercase-looking but invalid method char", 400, "GE@T / HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("two spaces after method", 400, "GET  / HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("tab as separator", 400, "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("empty method", 400, " / HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("HTTP/0.9 request", 400, "GET /\r\n\r\n"),
            bad("space in target", 400, "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("fragment in target", 400, "GET /a#f HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("raw obs-text in target", 400, "GET /caf\u00e9 HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("bad percent-encoding", 400, "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("truncated percent-encoding", 400, "GET /a% HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("relative target", 400, "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("authority-form without CONNECT", 400, "GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("origin-form with CONNECT", 400, "CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("CONNECT without port", 400, "CONNECT example.com HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("CONNECT with userinfo", 400, "CONNECT u@example.com:443 HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("asterisk-form without OPTIONS", 400, "GET * HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("asterisk with more", 400, "OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("scheme without rest", 400, "GET http: HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("absolute-form without authority", 400, "GET urn:a:b HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("absolute-form with empty authority", 400, "GET http:///a HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("lowercase version", 400, "GET / http/1.1\r\nHost: h\r\n\r\n"),
            bad("version too long", 400, "GET / HTTP/1.10\r\nHost: h\r\n\r\n"),
            bad("version too short", 400, "GET / HTTP/1\r\nHost: h\r\n\r\n"),
            bad("space after version", 400, "GET / HTTP/1.1 \r\nHost: h\r\n\r\n"),
            bad("HTTP/2.0", 505, "GET / HTTP/2.0\r\nHost: h\r\n\r\n"),
            bad("HTTP/1.2", 505, "GET / HTTP/1.2\r\nHost: h\r\n\r\n"),
            bad("HTTP/0.9 version", 505, "GET / HTTP/0.9\r\n\r\n"),
            bad("bare LF after request line", 400, "GET / HTTP/1.1\nHost: h\r\n\r\n"),
            bad("bare CR after request line", 400, "GET / HTTP/1.1\rHost: h\r\n\r\n"),
            bad("bare LF leading line", 400, "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("bare CR leading line", 400, "\rGET / HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("too many leading lines", 400, "\r\n".repeat(9) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("NUL in method", 400, "G\0T / HTTP/1.1\r\nHost: h\r\n\r\n"),
            bad("NUL in target", 400, "GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n"),

            // --- fields ---
            bad("missing Host in 1.1", 400, "GET / HTTP/1.1\r\n\r\n"),
            bad("two Host fields", 400, "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n"),
            bad("space before colon", 400, "GET / HTTP/1.1\r\nHost : h\r\n\r\n"),
            bad("tab before colon", 400, "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n"),
            bad("obs-fold", 400, "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n"),
            bad("whitespace before first field", 400, "GET / HTTP/1.1\r\n Host: h\r\n\r\n"),
            bad("empty field name", 400, "GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n"),
            bad("no colon", 400, "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"),
            bad("invalid name byte", 400, "GET / HTTP/1.1\r\nHost: h\r\nX(y): v\r\n\r\n"),
            bad("NUL in value", 400, "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n"),
            bad("DEL in value", 400, "GET / HTTP/1.1\r\nHost: h\r\nX: a\u007fb\r\n\r\n"),
            bad("control in value", 400, "GET / HTTP/1.1\r\nHost: h\r\nX: a\u0001\r\n\r\n"),
            bad("bare CR in value", 400, "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n"),
            bad("bare LF in value", 400, "GET / HTTP/1.1\r\nHost: h\r\nX: a\nb\r\n\r\n"),
            bad("bare LF ends head", 400, "GET / HTTP/1.1\r\nHost: h\r\n\n"),
            bad("bare CR ends head", 400, "GET / HTTP/1.1\r\nHost: h\r\n\rX"),

            // --- framing ---
            bad("empty Content-Length", 400, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n"),
            bad("signed Content-Length", 400, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n"),
            bad("hex Content-Length", 400, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\n"),
            bad("Content-Length list", 400, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n"),
            bad("Content-Length with inner space", 400, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n"),
            bad("repeated equal Content-Length", 400,
                    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
            bad("conflicting Content-Length", 400,
                    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n"),
            bad("huge Content-Length", 413,
                    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999999\r\n\r\n"),
            bad("Content-Length over limit", 413, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1073741825\r\n\r\n"),
            bad("Content-Length and chunked", 400,
                    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
            bad("chunked and Content-Length", 400,
                    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
            bad("final coding not chunked", 400, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
            bad("final coding split over lines", 400,
                    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n"),
            bad("only gzip", 400, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"),
            bad("empty Transfer-Encoding", 400, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n"),
            bad("chunked twice", 400, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
            bad("chunked with a parameter", 400, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked;x=1\r\n\r\n"),
            bad("misspelt chunked", 400, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunk\r\n\r\n"),
            bad("gzip then chunked", 501, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            bad("gzip then chunked on two lines", 501,
                    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"),
            bad("Transfer-Encoding in HTTP/1.0", 400, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            bad("unknown expectation", 417, "POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n"));
}
