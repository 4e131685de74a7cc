package org.yimmo.wsgi.bridge;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.http.HttpExchange;
import org.yimmo.http.HttpResponse;
import org.yimmo.wsgi.AccessLog;
import org.yimmo.wsgi.python.LibPython;
import org.yimmo.wsgi.python.PythonException;
import org.yimmo.wsgi.python.PythonThread;

/**
 * Runs the application for one exchange at a time on one worker thread (PEP 3333 "The
 * Server/Gateway Side"): builds the environ, calls the app with the bridge's start_response,
 * sends each non-empty body chunk as it comes (the head with the first), calls the result's
 * close(), and turns every failure into a 500 (before the head went out) or a closed connection
 * (after). Also serves the two callbacks of the bridge module for its exchange: wsgi.input reads
 * ({@link #recv}) and start_response's write() ({@link #send}).
 *
 * <p>Called with the GIL held; every wait for the client (a body read, a full response buffer)
 * releases it. Objects made per request are Python's (environ, wsgi.input, start_response); the
 * Java side reuses its scratch memory and text views.
 */
final class WsgiCall {

    private static final Logger LOG = LoggerFactory.getLogger("yimmo.wsgi");
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final int CHUNK = 64 * 1024;
    private static final String[] HOP_BY_HOP = {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te", "trailers", "transfer-encoding", "upgrade",
    };

    /** A response the application got wrong (status, headers, body type). */
    static final class BadResponse extends Exception {
        private static final long serialVersionUID = 1L;

        BadResponse(String message) {
            super(message, null, false, false);
        }
    }

    private final BridgeModule bridge;
    private final LibPython api;
    private final EnvironBuilder environs;
    private final Runnable releaseGil;
    private final Runnable acquireGil;
    private final long slot;
    /** Native array of the two arguments of app(environ, start_response). */
    private final long arguments;
    /** Null when the access log is off. */
    private final AccessLog accessLog;
    private final Scratch out = new Scratch(CHUNK);
    private final Scratch in = new Scratch(CHUNK);
    private final Scratch headText = new Scratch(1024);
    private final Latin1Text name = new Latin1Text();
    private final Latin1Text value = new Latin1Text();
    /** [nameStart, nameEnd, valueStart, valueEnd] per header, offsets into headText. */
    private int[] ranges = new int[64];

    private HttpExchange exchange;
    private long responseObject;
    private boolean committed;
    /**
     * The response was ended (or the exchange aborted) by {@link #failed}: the exchange may
     * already serve the connection's next pipelined request, so it must not be touched again.
     */
    private boolean handedBack;
    /** When the current request reached the application, for the access log. */
    private long startMillis;
    private boolean logged;

    WsgiCall(BridgeModule bridge, PythonThread thread, int slotNumber) {
        this.bridge = bridge;
        this.api = bridge.runtime().api();
        this.environs = bridge.newEnvironBuilder();
        this.releaseGil = thread::release;
        this.acquireGil = thread::acquire;
        this.slot = api.PyLong_FromLong(slotNumber);
        this.arguments = MEMORY.allocateMemory(16, true);
        this.accessLog = bridge.accessLog();
    }

    /** Serves {@code exchange} to its end; never throws. GIL held. */
    void serve(HttpExchange current) {
        exchange = current;
        committed = false;
        handedBack = false;
        logged = false;
        if (accessLog != null) {
            startMillis = System.currentTimeMillis();
        }
        long input = 0;
        long environ = 0;
        long startResponse = 0;
        long result = 0;
        try {
            input = call(bridge.inputClass(), slot);
            responseObject = call(bridge.responseClass(), slot);
            environ = environs.build(current, input);
            startResponse = checked(api.PyObject_GetAttr(responseObject, bridge.names().startResponse));
            MEMORY.putAddress(arguments, environ);
            MEMORY.putAddress(arguments + 8, startResponse);
            result = checked(api.PyObject_VectorcallDict(bridge.app(), arguments, 2, 0));
            try {
                sendBody(result);
            } finally {
                closeResult(result);
            }
            finish();
        } catch (PythonException e) {
            failed("the application raised " + e.getMessage(), e);
        } catch (BadResponse e) {
            failed(e.getMessage(), null);
        } catch (IOException e) {
            LOG.debug("client gone during {}: {}", describe(current), e.getMessage());
            current.abort();
        } catch (RuntimeException e) {
            failed("the response could not be sent: " + e, e);
        } finally {
            decRef(result);
            decRef(startResponse);
            decRef(environ);
            decRef(input);
            decRef(responseObject);
            responseObject = 0;
            if (!handedBack) {
                HttpResponse response = current.response();
                logAccess(response.status() == 0 ? 200 : response.status(), response);
                response.end();
            }
            exchange = null;
        }
    }

    /** wsgi.input's source: up to {@code size} body bytes, b"" at the end. A new reference. */
    long recv(long size) throws IOException {
        HttpExchange current = exchange;
        if (current == null || size <= 0) {
            return api.PyBytes_FromStringAndSize(0, 0);
        }
        ByteBuffer buffer = in.buffer();
        buffer.clear().limit((int) Math.min(size, buffer.capacity()));
        int n = current.requestBody().readBlocking(buffer, releaseGil, acquireGil);
        return api.PyBytes_FromStringAndSize(n < 0 ? 0 : in.address(), Math.max(n, 0));
    }

    /** start_response's write(data): sends one chunk now. */
    void send(long data) throws IOException, BadResponse, PythonException {
        if (exchange == null) {
            throw new BadResponse("write() called outside of a request");
        }
        sendChunk(data);
    }

    private void sendBody(long result) throws IOException, BadResponse, PythonException {
        long type = MEMORY.getAddress(result + 8); // ob_type; default (GIL) builds only
        if (type == bridge.listType() || type == bridge.tupleType()) {
            boolean list = type == bridge.listType();
            long size = list ? api.PyList_Size(result) : api.PyTuple_Size(result);
            for (long i = 0; i < size; i++) {
                sendChunk(list ? api.PyList_GetItem(result, i) : api.PyTuple_GetItem(result, i));
            }
            return;
        }
        if (type == bridge.fileWrapperClass() && sendFile(result)) {
            return;
        }
        long iterator = checked(api.PyObject_GetIter(result));
        try {
            for (long item; (item = api.PyIter_Next(iterator)) != 0; ) {
                try {
                    sendChunk(item);
                } finally {
                    api.Py_DecRef(item);
                }
            }
            if (api.PyErr_Occurred() != 0) {
                throw bridge.runtime().takeError();
            }
        } finally {
            api.Py_DecRef(iterator);
        }
    }

    /**
     * wsgi.file_wrapper over a regular file: the connection sends it from the file (sendfile),
     * from the file's position to its end, or to the declared Content-Length.
     *
     * @return false if the wrapped object has no usable file descriptor (iterate it instead)
     */
    private boolean sendFile(long wrapper) throws IOException, BadResponse, PythonException {
        long region = call(bridge.fileRegion(), wrapper);
        try {
            if (region == bridge.runtime().none()) {
                return false;
            }
            long descriptor = api.PyLong_AsLong(api.PyTuple_GetItem(region, 0));
            long offset = api.PyLong_AsLong(api.PyTuple_GetItem(region, 1));
            long count = api.PyLong_AsLong(api.PyTuple_GetItem(region, 2));
            if (!committed) {
                commitHead();
            }
            HttpResponse response = exchange.response();
            if (response.contentLength() >= 0) {
                count = Math.min(count, response.contentLength() - response.bytesWritten());
            }
            // A second descriptor of the same file: its offset is independent of Python's.
            try (FileChannel channel = FileChannel.open(Path.of("/proc/self/fd/" + descriptor))) {
                response.transferFile(channel, offset, count, releaseGil, acquireGil);
            }
            return true;
        } finally {
            api.Py_DecRef(region);
        }
    }

    private void sendChunk(long item) throws IOException, BadResponse, PythonException {
        long data = api.PyBytes_AsString(item);
        if (data == 0) {
            api.PyErr_Clear();
            throw new BadResponse("the application gave a body chunk that is not bytes: "
                    + bridge.runtime().str(typeOf(item)));
        }
        long size = api.PyBytes_Size(item);
        if (size == 0) {
            return; // PEP 3333: an empty chunk neither commits the head nor ends the body
        }
        if (!committed) {
            commitHead();
        }
        HttpResponse response = exchange.response();
        long declared = response.contentLength();
        if (declared >= 0 && response.sendsBody() && !response.isCommitted() && size > declared) {
            // Nothing has gone out yet: the client can still get a proper 500.
            throw new BadResponse("the application's first body chunk (" + size
                    + " bytes) is longer than its Content-Length " + declared);
        }
        ByteBuffer buffer = out.buffer();
        for (long sent = 0; sent < size; ) {
            int n = (int) Math.min(size - sent, buffer.capacity());
            out.copyFrom(data + sent, 0, n); // copied under the GIL; the wait below releases it
            buffer.clear().limit(n);
            response.writeFully(buffer, releaseGil, acquireGil);
            sent += n;
        }
    }

    private void finish() throws BadResponse, PythonException {
        if (!committed) {
            commitHead();
        }
        HttpResponse response = exchange.response();
        long declared = response.contentLength();
        if (response.sendsBody() && declared >= 0 && response.bytesWritten() < declared) {
            LOG.warn("{}: the application sent {} of the {} bytes its Content-Length declared; closing the connection",
                    describe(exchange), response.bytesWritten(), declared);
        }
    }

    /**
     * Checks the status and headers given to start_response and starts the response with them.
     * Everything is checked before anything is handed to the connection, so a bad header still
     * leaves room for a clean 500.
     */
    private void commitHead() throws BadResponse, PythonException {
        long status = checked(api.PyObject_GetAttr(responseObject, bridge.names().status));
        long headers = 0;
        try {
            if (status == bridge.runtime().none()) {
                throw new BadResponse("the application returned without calling start_response()");
            }
            int statusEnd = latin1(status, 0, "the status");
            int code = parseStatus(statusEnd);
            headers = checked(api.PyObject_GetAttr(responseObject, bridge.names().headers));
            long count = api.PyList_Size(headers);
            if (count < 0) {
                api.PyErr_Clear();
                throw new BadResponse("the headers given to start_response() are not a list");
            }
            if (ranges.length < 4 * count) {
                ranges = new int[(int) (8 * count)];
            }
            int at = statusEnd;
            for (int i = 0; i < count; i++) {
                long header = api.PyList_GetItem(headers, i);
                if (api.PyTuple_Size(header) != 2) {
                    api.PyErr_Clear();
                    throw new BadResponse("header " + i + " is not a (name, value) tuple");
                }
                ranges[4 * i] = at;
                at += latin1(api.PyTuple_GetItem(header, 0), at, "a header name");
                ranges[4 * i + 1] = at;
                ranges[4 * i + 2] = at;
                at += latin1(api.PyTuple_GetItem(header, 1), at, "a header value");
                ranges[4 * i + 3] = at;
                checkHeader(i);
            }
            HttpResponse response = exchange.response();
            ByteBuffer text = headText.buffer();
            response.start(code, value.set(text, 4, statusEnd));
            for (int i = 0; i < count; i++) {
                response.header(name.set(text, ranges[4 * i], ranges[4 * i + 1]),
                        value.set(text, ranges[4 * i + 2], ranges[4 * i + 3]));
            }
            committed = true;
            api.PyObject_SetAttr(responseObject, bridge.names().headersSent, bridge.runtime().trueObject());
        } finally {
            decRef(headers);
            decRef(status);
        }
    }

    /** "NNN Reason" in headText[0, end): the code, 200-599. */
    private int parseStatus(int end) throws BadResponse {
        ByteBuffer text = headText.buffer();
        boolean shaped = end >= 4 && text.get(3) == ' ';
        int code = 0;
        for (int i = 0; shaped && i < 3; i++) {
            int digit = text.get(i) - '0';
            shaped = digit >= 0 && digit <= 9;
            code = code * 10 + digit;
        }
        if (!shaped || code < 200 || code > 599) {
            throw new BadResponse("status " + quoted(0, end) + " is not 'NNN Reason' with NNN from 200 to 599");
        }
        for (int i = 4; i < end; i++) {
            if (!isText(text.get(i))) {
                throw new BadResponse("status " + quoted(0, end) + " holds a control character");
            }
        }
        return code;
    }

    private void checkHeader(int i) throws BadResponse {
        ByteBuffer text = headText.buffer();
        int nameStart = ranges[4 * i];
        int nameEnd = ranges[4 * i + 1];
        if (nameStart == nameEnd) {
            throw new BadResponse("header " + i + " has an empty name");
        }
        for (int k = nameStart; k < nameEnd; k++) {
            if (!isToken(text.get(k))) {
                throw new BadResponse("header name " + quoted(nameStart, nameEnd) + " is not a token");
            }
        }
        for (int k = ranges[4 * i + 2]; k < ranges[4 * i + 3]; k++) {
            if (!isText(text.get(k))) {
                throw new BadResponse("the value of header " + quoted(nameStart, nameEnd)
                        + " holds a control character (CR, LF, ...)");
            }
        }
        name.set(text, nameStart, nameEnd);
        for (String hop : HOP_BY_HOP) {
            if (name.equalsIgnoreCase(hop)) {
                throw new BadResponse("hop-by-hop header " + quoted(nameStart, nameEnd)
                        + " is the server's business (PEP 3333)");
            }
        }
    }

    /** Writes a Python str as latin-1 into headText at {@code at}; returns its length. */
    private int latin1(long string, int at, String what) throws BadResponse {
        long sizeOut = out.address(); // 8 bytes of scratch for the size
        long utf8 = api.PyUnicode_AsUTF8AndSize(string, sizeOut);
        if (utf8 == 0) {
            api.PyErr_Clear();
            throw new BadResponse(what + " is not a str");
        }
        int length = (int) MEMORY.getLong(sizeOut);
        headText.ensure(at + length);
        int written = headText.latin1FromUtf8(utf8, length, at);
        if (written < 0) {
            throw new BadResponse(what + " holds a character outside latin-1");
        }
        return written;
    }

    private void closeResult(long result) {
        long close = api.PyObject_GetAttr(result, bridge.names().close);
        if (close == 0) {
            api.PyErr_Clear();
            return;
        }
        long returned = api.PyObject_CallNoArgs(close);
        api.Py_DecRef(close);
        if (returned == 0) {
            PythonException e = bridge.runtime().takeError();
            LOG.error("{}: the result's close() raised {}\n{}", describe(exchange), e.getMessage(), e.traceback());
        } else {
            api.Py_DecRef(returned);
        }
    }

    private void failed(String reason, Exception cause) {
        String traceback = cause instanceof PythonException python ? "\n" + python.traceback() : "";
        LOG.error("{}: {}{}", describe(exchange), reason, traceback, cause instanceof PythonException ? null : cause);
        HttpResponse response = exchange.response();
        handedBack = true;
        if (response.isCommitted() || !response.resetIfUncommitted()) {
            logAccess(response.status(), response);
            exchange.abort(); // the head is out: the client can only learn of the failure by the close
            return;
        }
        try {
            if (accessLog != null && !logged) {
                logged = true;
                accessLog.record(exchange, 500, bridge.internalErrorBody().remaining(), startMillis, releaseGil,
                        acquireGil);
            }
            response.send(500, "text/plain; charset=utf-8", bridge.internalErrorBody());
        } catch (IOException | IllegalStateException e) {
            exchange.abort();
        }
    }

    /** Records the request in the access log, once, while the exchange is still ours. */
    private void logAccess(int status, HttpResponse response) {
        if (accessLog != null && !logged) {
            logged = true;
            accessLog.record(exchange, status, response.sendsBody() ? response.bytesWritten() : 0, startMillis,
                    releaseGil, acquireGil);
        }
    }

    /** {@code callable(argument)}; VectorcallDict because 3.10 exports no CallOneArg. */
    private long call(long callable, long argument) throws PythonException {
        MEMORY.putAddress(arguments, argument);
        return checked(api.PyObject_VectorcallDict(callable, arguments, 1, 0));
    }

    private long typeOf(long object) {
        return MEMORY.getAddress(object + 8);
    }

    private long checked(long object) throws PythonException {
        if (object == 0) {
            throw bridge.runtime().takeError();
        }
        return object;
    }

    private void decRef(long object) {
        if (object != 0) {
            api.Py_DecRef(object);
        }
    }

    private String quoted(int start, int end) {
        return "'" + value.set(headText.buffer(), start, end) + "'";
    }

    private static String describe(HttpExchange exchange) {
        return exchange.request().methodName() + " " + exchange.request().target();
    }

    private static boolean isToken(byte b) {
        return b > ' ' && b < 127 && "\"(),/:;<=>?@[\\]{}".indexOf(b) < 0;
    }

    private static boolean isText(byte b) {
        return b == '\t' || (b >= ' ' && b != 127) || b < 0;
    }
}
