package org.yimmo.http;

/**
 * Serves requests. {@link #handle} is called on the reactor thread when a request head has
 * arrived, and must not block there: it answers at once (a small response never blocks, see
 * {@link HttpResponse#send}) or hands the exchange to another thread, which reads the body and
 * writes the response at its own pace and finishes with {@link HttpResponse#end()}.
 *
 * <p>A connection carries one exchange at a time; the next pipelined request is dispatched once
 * this exchange's response is on the wire.
 */
@FunctionalInterface
public interface HttpHandler {

    /**
     * Starts serving {@code exchange}. An exception thrown before the response is committed gets
     * the client a 500 and closes the connection; after, the connection is closed.
     */
    void handle(HttpExchange exchange) throws Exception;
}
