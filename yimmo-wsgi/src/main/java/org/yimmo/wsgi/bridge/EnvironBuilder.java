package org.yimmo.wsgi.bridge;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import org.yimmo.http.HttpExchange;
import org.yimmo.http.parser.HttpMethod;
import org.yimmo.http.parser.RequestHead;
import org.yimmo.wsgi.python.LibPython;
import org.yimmo.wsgi.python.PythonRuntime;

/**
 * Builds a request's WSGI environ (PEP 3333 "environ Variables") with the C API: a copy of a dict
 * of the constant entries, then the request's own, each value decoded from the head's bytes in
 * native memory (no Java String per field). One per worker thread; GIL held.
 *
 * <p>Rules: over TLS, wsgi.url_scheme is {@code https} and HTTPS is {@code on} (as Apache and
 * gunicorn set it), and on the plain listener next to TLS SERVER_PORT is that listener's port; PATH_INFO is the percent-decoded path as a latin-1 str, without the SCRIPT_NAME prefix
 * when it starts with it; QUERY_STRING is raw; CONTENT_TYPE and CONTENT_LENGTH only when sent;
 * other fields become HTTP_* (upper case, '-' to '_'), repeated ones joined with ", ", and a field
 * whose name holds '_' is dropped (as the original does: otherwise "X_Forwarded_For" could pose
 * as "X-Forwarded-For").
 */
final class EnvironBuilder {

    private static final byte[] HTTP_PREFIX = {'H', 'T', 'T', 'P', '_'};
    private static final byte[] CONTENT_TYPE = "content-type".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final LibPython api;
    private final PythonRuntime runtime;
    private final long base;
    private final byte[] scriptName;
    private final long keyMethod;
    private final long keyPath;
    private final long keyQuery;
    private final long keyProtocol;
    private final long keyRemoteAddr;
    private final long keyRemotePort;
    private final long keyContentType;
    private final long keyContentLength;
    private final long keyInput;
    private final long keyUrlScheme;
    private final long keyHttps;
    private final long keyServerPort;
    /** SERVER_PORT of plain requests on a TLS server (the extra plain listener's), or 0. */
    private final long plainServerPort;
    private final long https;
    private final long on;
    private final long[] methods = new long[HttpMethod.values().length];
    private final long http10;
    private final long http11;
    private final Scratch head = new Scratch(4096);
    private final Scratch text = new Scratch(4096);

    /**
     * @param base       the constant entries (wsgi.version, SERVER_NAME, ...); copied per request
     * @param scriptName the mount prefix as latin-1 bytes, empty for none
     * @param plainServerPort the plain listener's port next to TLS, or -1
     */
    EnvironBuilder(PythonRuntime runtime, long base, byte[] scriptName, int plainServerPort) {
        this.runtime = runtime;
        this.api = runtime.api();
        this.base = base;
        this.scriptName = scriptName;
        keyMethod = intern("REQUEST_METHOD");
        keyPath = intern("PATH_INFO");
        keyQuery = intern("QUERY_STRING");
        keyProtocol = intern("SERVER_PROTOCOL");
        keyRemoteAddr = intern("REMOTE_ADDR");
        keyRemotePort = intern("REMOTE_PORT");
        keyContentType = intern("CONTENT_TYPE");
        keyContentLength = intern("CONTENT_LENGTH");
        keyInput = intern("wsgi.input");
        keyUrlScheme = intern("wsgi.url_scheme");
        keyHttps = intern("HTTPS");
        keyServerPort = intern("SERVER_PORT");
        this.plainServerPort = plainServerPort < 0 ? 0 : intern(Integer.toString(plainServerPort));
        https = intern("https");
        on = intern("on");
        for (HttpMethod method : HttpMethod.values()) {
            if (method != HttpMethod.OTHER) {
                methods[method.ordinal()] = intern(method.name());
            }
        }
        http10 = intern("HTTP/1.0");
        http11 = intern("HTTP/1.1");
    }

    /** A new environ for {@code exchange}, with {@code input} as wsgi.input; a new reference. */
    long build(HttpExchange exchange, long input) {
        RequestHead request = exchange.request();
        int base0 = request.base();
        head.ensure(request.length());
        head.buffer().put(0, request.buffer(), base0, request.length());
        long at = head.address() - base0; // native address of index i is at + i

        long environ = api.PyDict_Copy(base);
        check(environ);
        try {
            HttpMethod method = request.method();
            long methodValue = methods[method.ordinal()];
            if (methodValue != 0) {
                api.Py_IncRef(methodValue);
            } else {
                methodValue = latin1(at + request.methodStart(), request.methodEnd() - request.methodStart());
            }
            put(environ, keyMethod, methodValue);
            putTarget(environ, request, at);
            long protocol = request.version() == 10 ? http10 : http11;
            api.Py_IncRef(protocol);
            put(environ, keyProtocol, protocol);
            putRemote(environ, exchange.remoteAddress());
            if (exchange.secure()) { // the base says "http"
                api.Py_IncRef(https);
                put(environ, keyUrlScheme, https);
                api.Py_IncRef(on);
                put(environ, keyHttps, on);
            } else if (plainServerPort != 0) { // the base has the TLS port
                api.Py_IncRef(plainServerPort);
                put(environ, keyServerPort, plainServerPort);
            }
            putFields(environ, request, at);
            api.Py_IncRef(input);
            put(environ, keyInput, input);
            return environ;
        } catch (RuntimeException | Error e) {
            api.Py_DecRef(environ);
            throw e;
        }
    }

    private void putTarget(long environ, RequestHead request, long at) {
        ByteBuffer bytes = head.buffer();
        int offset = request.base();
        int start = request.targetStart() - offset;
        int end = request.targetEnd() - offset;
        start = skipSchemeAndAuthority(bytes, start, end);
        int query = start;
        while (query < end && bytes.get(query) != '?') {
            query++;
        }
        int pathLength = percentDecode(bytes, start, query);
        int pathStart = 0;
        if (scriptName.length > 0 && startsWithScriptName(pathLength)) {
            pathStart = scriptName.length;
        }
        put(environ, keyPath, latin1(text.address() + pathStart, pathLength - pathStart));
        int queryStart = Math.min(query + 1, end);
        put(environ, keyQuery, latin1(head.address() + queryStart, end - queryStart));
    }

    /** An absolute-form target (RFC 9112 3.2.2): the path starts after the authority. */
    private static int skipSchemeAndAuthority(ByteBuffer bytes, int start, int end) {
        if (start < end && bytes.get(start) == '/') {
            return start;
        }
        for (int i = start; i + 2 < end; i++) {
            if (bytes.get(i) == ':' && bytes.get(i + 1) == '/' && bytes.get(i + 2) == '/') {
                int path = i + 3;
                while (path < end && bytes.get(path) != '/' && bytes.get(path) != '?') {
                    path++;
                }
                return path;
            }
        }
        return start; // "*" (OPTIONS) or an authority (CONNECT): passed as is
    }

    /** Decodes %XX escapes of {@code bytes[start, end)} into {@link #text}; returns the length. */
    private int percentDecode(ByteBuffer bytes, int start, int end) {
        text.ensure(end - start);
        ByteBuffer out = text.buffer();
        int n = 0;
        for (int i = start; i < end; i++) {
            byte b = bytes.get(i);
            if (b == '%' && i + 2 < end) {
                int hi = Character.digit(bytes.get(i + 1), 16);
                int lo = Character.digit(bytes.get(i + 2), 16);
                if (hi >= 0 && lo >= 0) {
                    out.put(n++, (byte) (hi << 4 | lo));
                    i += 2;
                    continue;
                }
            }
            out.put(n++, b);
        }
        return n;
    }

    /** The decoded path is the mount prefix or starts with it followed by '/'. */
    private boolean startsWithScriptName(int pathLength) {
        if (pathLength < scriptName.length) {
            return false;
        }
        ByteBuffer path = text.buffer();
        for (int i = 0; i < scriptName.length; i++) {
            if (path.get(i) != scriptName[i]) {
                return false;
            }
        }
        return pathLength == scriptName.length || path.get(scriptName.length) == '/';
    }

    private void putRemote(long environ, SocketAddress remote) {
        if (remote instanceof InetSocketAddress address && address.getAddress() != null) {
            InetAddress host = address.getAddress();
            if (host instanceof Inet4Address) {
                // Inet4Address.hashCode() is the address itself: formatted without allocating.
                int bits = host.hashCode();
                int n = 0;
                for (int shift = 24; shift >= 0; shift -= 8) {
                    n = decimal(n, (bits >>> shift) & 0xff);
                    if (shift > 0) {
                        text.buffer().put(n++, (byte) '.');
                    }
                }
                put(environ, keyRemoteAddr, latin1(text.address(), n));
            } else {
                put(environ, keyRemoteAddr, string(host.getHostAddress()));
            }
            put(environ, keyRemotePort, latin1(text.address(), decimal(0, address.getPort())));
        } else { // a unix socket: no peer address
            put(environ, keyRemoteAddr, string(""));
        }
    }

    /** Writes {@code value} (0-65535) in decimal into {@link #text} at {@code at}; returns the end. */
    private int decimal(int at, int value) {
        text.ensure(at + 5);
        int divisor = 1;
        while (divisor * 10 <= value) {
            divisor *= 10;
        }
        for (; divisor > 0; divisor /= 10) {
            text.buffer().put(at++, (byte) ('0' + value / divisor % 10));
        }
        return at;
    }

    private void putFields(long environ, RequestHead request, long at) {
        int count = request.headerCount();
        for (int i = 0; i < count; i++) {
            if (hasUnderscore(request, i) || repeatsAnEarlierField(request, i)) {
                continue;
            }
            long key;
            if (request.nameEquals(i, CONTENT_TYPE)) {
                key = keyContentType;
                api.Py_IncRef(key);
            } else if (request.nameEquals(i, CONTENT_LENGTH)) {
                key = keyContentLength;
                api.Py_IncRef(key);
            } else {
                key = httpKey(request, i);
            }
            long value = joinedValue(request, i, at);
            try {
                put(environ, key, value);
            } finally {
                api.Py_DecRef(key);
            }
        }
    }

    private static boolean hasUnderscore(RequestHead request, int index) {
        ByteBuffer bytes = request.buffer();
        for (int j = request.nameStart(index); j < request.nameEnd(index); j++) {
            if (bytes.get(j) == '_') {
                return true;
            }
        }
        return false;
    }

    private static boolean repeatsAnEarlierField(RequestHead request, int index) {
        for (int j = 0; j < index; j++) {
            if (sameName(request, j, index)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameName(RequestHead request, int a, int b) {
        int length = request.nameEnd(a) - request.nameStart(a);
        if (length != request.nameEnd(b) - request.nameStart(b)) {
            return false;
        }
        ByteBuffer bytes = request.buffer();
        for (int k = 0; k < length; k++) {
            if (lower(bytes.get(request.nameStart(a) + k)) != lower(bytes.get(request.nameStart(b) + k))) {
                return false;
            }
        }
        return true;
    }

    private static int lower(byte c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }

    /** {@code HTTP_} and the name upper-cased with '-' as '_'; a new reference. */
    private long httpKey(RequestHead request, int index) {
        ByteBuffer bytes = request.buffer();
        int start = request.nameStart(index);
        int length = request.nameEnd(index) - start;
        text.ensure(HTTP_PREFIX.length + length);
        ByteBuffer out = text.buffer();
        out.put(0, HTTP_PREFIX);
        for (int k = 0; k < length; k++) {
            byte c = bytes.get(start + k);
            out.put(HTTP_PREFIX.length + k, c == '-' ? (byte) '_' : (c >= 'a' && c <= 'z') ? (byte) (c - 32) : c);
        }
        return latin1(text.address(), HTTP_PREFIX.length + length);
    }

    /** Field {@code index}'s value, joined with the values of later fields of the same name. */
    private long joinedValue(RequestHead request, int index, long at) {
        int start = request.valueStart(index);
        int end = request.valueEnd(index);
        int count = request.headerCount();
        int next = index + 1;
        while (next < count && !sameName(request, index, next)) {
            next++;
        }
        if (next == count) {
            return latin1(at + start, end - start);
        }
        ByteBuffer bytes = request.buffer();
        int n = 0;
        for (int j = index; j < count; j++) {
            if (j != index && !sameName(request, index, j)) {
                continue;
            }
            int from = request.valueStart(j);
            int to = request.valueEnd(j);
            text.ensure(n + 2 + (to - from));
            ByteBuffer out = text.buffer();
            if (n > 0) {
                out.put(n++, (byte) ',');
                out.put(n++, (byte) ' ');
            }
            out.put(n, bytes, from, to - from);
            n += to - from;
        }
        return latin1(text.address(), n);
    }

    private long latin1(long address, int length) {
        long value = api.PyUnicode_DecodeLatin1(address, length, 0);
        check(value);
        return value;
    }

    private long string(String value) {
        long object = api.PyUnicode_FromString(value);
        check(object);
        return object;
    }

    private long intern(String value) {
        long object = api.PyUnicode_InternFromString(value);
        check(object);
        return object; // kept for the process's life
    }

    /** Sets {@code environ[key] = value}, taking over the reference to {@code value}. */
    private void put(long environ, long key, long value) {
        int status = api.PyDict_SetItem(environ, key, value);
        api.Py_DecRef(value);
        if (status != 0) {
            throw runtime.takeError();
        }
    }

    private void check(long object) {
        if (object == 0) {
            throw runtime.takeError();
        }
    }
}
