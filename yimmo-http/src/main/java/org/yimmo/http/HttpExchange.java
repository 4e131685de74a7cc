package org.yimmo.http;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import org.yimmo.http.parser.HttpMethod;
import org.yimmo.http.parser.RequestHead;

/**
 * One request and its response. The request head is a private copy, readable from any thread
 * until the response ends; the body is read through {@link #requestBody()} and the response
 * written through {@link #response()}.
 *
 * <p>One exchange object serves every request of its connection in turn, so no object is made
 * per request: do not touch an exchange after its response has {@link HttpResponse#end() ended}.
 * Use it from one thread at a time; hand it between threads through something that orders memory
 * (a queue, an executor).
 */
public final class HttpExchange {

    private static final VarHandle DONE;
    /** The producer has ended (or abandoned) the response: it will not touch the pipes again. */
    private static final int PRODUCER_DONE = 1;
    /** The session is finished with the exchange: sent it, or lost the connection. */
    private static final int SESSION_DONE = 2;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(HttpExchange.class, "done", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final HttpSession session;
    private final ServerContext context;
    private final RequestHead request;
    private final RequestBody body;
    private final HttpResponse response;
    private ByteBuffer headStorage = ByteBuffer.allocate(1024);
    @SuppressWarnings("unused") // through DONE
    private volatile int done;

    HttpExchange(HttpSession session, ServerContext context) {
        this.session = session;
        this.context = context;
        this.request = new RequestHead(context.limits.headerCountMax());
        this.body = new RequestBody(this, session);
        this.response = new HttpResponse(this, session, context);
    }

    /** Session: takes the next request, copying its head out of the read buffer. */
    void begin(RequestHead parsed) {
        if (headStorage.capacity() < parsed.length()) {
            headStorage = ByteBuffer.allocate(Integer.highestOneBit(parsed.length()) << 1);
        }
        request.copyFrom(parsed, headStorage);
        done = 0;
        body.reset();
        response.reset();
    }

    /** The request head: method, target, version, fields. */
    public RequestHead request() {
        return request;
    }

    public HttpMethod method() {
        return request.method();
    }

    /** The request-target as sent ({@code /path?query}); allocates. */
    public String target() {
        return request.target();
    }

    /** The target's path, before any '?'; still percent-encoded; allocates. */
    public String path() {
        String target = request.target();
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    /** The target's query, after the first '?', or the empty string; allocates. */
    public String query() {
        String target = request.target();
        int query = target.indexOf('?');
        return query < 0 ? "" : target.substring(query + 1);
    }

    /** The first value of field {@code name} (any case), or null. */
    public String header(String name) {
        return request.header(name);
    }

    public RequestBody requestBody() {
        return body;
    }

    public HttpResponse response() {
        return response;
    }

    public SocketAddress remoteAddress() {
        return session.connection().remoteAddress();
    }

    public SocketAddress localAddress() {
        return session.connection().localAddress();
    }

    /** The request came over TLS (a {@link HttpServer.Builder#listenTls} listener): the scheme is https. */
    public boolean secure() {
        return session.secure();
    }

    /**
     * The reactor thread of this exchange's connection, where callbacks run; a handler may hop
     * there to answer without crossing threads again.
     */
    public Executor reactor() {
        return session.connection().reactor();
    }

    /**
     * Gives up on the exchange: the connection is closed at once, whatever was sent. Any thread;
     * the response counts as ended.
     */
    public void abort() {
        response.abandon();
        session.connection().close();
    }

    ServerContext context() {
        return context;
    }

    /** The response's producer is done with the exchange; the last of the two frees the pipes. */
    void producerDone() {
        finish(PRODUCER_DONE);
    }

    /** The session is done with the exchange; the last of the two frees the pipes. */
    void sessionDone() {
        finish(SESSION_DONE);
    }

    private void finish(int bit) {
        int before = (int) DONE.getAndBitwiseOr(this, bit);
        if ((before | bit) == (PRODUCER_DONE | SESSION_DONE) && before != (PRODUCER_DONE | SESSION_DONE)) {
            body.releasePipe(context.pipes);
            response.releasePipe(context.pipes);
        }
    }
}
