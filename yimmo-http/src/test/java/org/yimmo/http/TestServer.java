package org.yimmo.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.function.UnaryOperator;

/**
 * An HttpServer on a free loopback port, for one test, on the reactor named by the system property
 * {@value #REACTOR_PROPERTY} (select unless set: the build runs the suite once per backend).
 */
final class TestServer implements AutoCloseable {

    static final String REACTOR_PROPERTY = "yimmo.test.reactor";

    final HttpServer server;

    private TestServer(HttpServer server) {
        this.server = server;
    }

    static TestServer start(HttpHandler handler) throws IOException {
        return start(handler, UnaryOperator.identity());
    }

    /** {@code settings} may change anything on the builder: timeouts, limits, buffer size. */
    static TestServer start(HttpHandler handler, UnaryOperator<HttpServer.Builder> settings) throws IOException {
        HttpServer.Builder builder = HttpServer.builder().listen("127.0.0.1:0").reactor(reactorName()).handler(handler);
        return new TestServer(settings.apply(builder).start());
    }

    /** The backend the suite runs on. */
    static String reactorName() {
        return System.getProperty(REACTOR_PROPERTY, "select");
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.localAddresses().get(0);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + address().getPort() + path);
    }

    RawHttpClient connect() throws IOException {
        return new RawHttpClient(address());
    }

    @Override
    public void close() {
        server.close();
    }
}
