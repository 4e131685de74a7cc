package org.yimmo.http;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorSelection;
import org.yimmo.core.tls.TlsContext;
import org.yimmo.http.parser.HttpLimits;

/**
 * An HTTP/1.1 server on one reactor thread.
 *
 * <pre>{@code
 * HttpServer server = HttpServer.builder()
 *         .listen("127.0.0.1:8080")
 *         .handler(exchange -> exchange.response().send(200, "text/plain",
 *                 ByteBuffer.wrap("OK".getBytes())))
 *         .start();
 * }</pre>
 *
 * <p>{@link Builder#listenTls} serves an address over TLS; plain and TLS listeners may be mixed
 * in one server. {@link HttpExchange#secure()} tells a handler which one a request came on.
 *
 * <p>The server either makes its own reactor (the backend named by {@link Builder#reactor(String)},
 * {@code auto} by default) and runs it on a thread of its own, or joins a reactor the caller owns
 * and runs ({@link Builder#reactor(Reactor)}).
 */
public final class HttpServer implements AutoCloseable {

    /** The idle timeout between requests when none is set (the original's default). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(5);
    /** Time allowed for a whole request head once its first byte has arrived. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    /** Time allowed without a byte while a request body is being read. */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
    /** Time allowed without progress while a response waits for the client to read. */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(30);
    /** Bytes of response (and of request body) buffered per exchange: the high-water mark. */
    public static final int DEFAULT_BUFFER_SIZE = 64 * 1024;

    private final Reactor reactor;
    private final Thread thread;
    private final List<Listener> listeners;
    private final ServerContext context;

    private HttpServer(Reactor reactor, Thread thread, List<Listener> listeners, ServerContext context) {
        this.reactor = reactor;
        this.thread = thread;
        this.listeners = listeners;
        this.context = context;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bound addresses, in the order they were given (with the real port for port 0). */
    public List<SocketAddress> localAddresses() {
        List<SocketAddress> addresses = new ArrayList<>(listeners.size());
        for (Listener listener : listeners) {
            addresses.add(listener.localAddress());
        }
        return addresses;
    }

    public Reactor reactor() {
        return reactor;
    }

    /**
     * Stops gracefully: stops listening, closes idle connections at once, lets each busy one
     * finish its current response (sent with {@code Connection: close}) and closes it, then
     * {@link #close()}s. Connections still open after {@code grace} are closed regardless.
     *
     * @return whether every connection finished within {@code grace}
     */
    public boolean shutdown(Duration grace) {
        context.draining = true;
        for (Listener listener : listeners) {
            listener.close();
        }
        CompletableFuture<Void> allClosed = new CompletableFuture<>();
        reactor.execute(() -> context.sessions.drain(allClosed));
        try {
            allClosed.get(grace.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            close();
        }
    }

    /**
     * Stops listening and closes every connection at once. When the server made its own reactor,
     * stops it and waits for its thread; on a caller's reactor, the connections are closed on it.
     */
    @Override
    public void close() {
        context.draining = true;
        for (Listener listener : listeners) {
            listener.close();
        }
        if (thread == null) {
            reactor.execute(() -> context.sessions.closeAll());
        } else {
            reactor.close();
            if (Thread.currentThread() != thread) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Settings of a server; every one has a default but the handler and an address. */
    public static final class Builder {

        private final List<ListenAddress> addresses = new ArrayList<>();
        /** Parallel to {@link #addresses}: the TLS context of each, null for plain HTTP. */
        private final List<TlsContext> tlsContexts = new ArrayList<>();
        private String reactorName = ReactorSelection.AUTO;
        private Reactor reactor;
        private HttpLimits limits = HttpLimits.defaults();
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
        private Duration bodyTimeout = DEFAULT_BODY_TIMEOUT;
        private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
        private int bufferSize = DEFAULT_BUFFER_SIZE;
        private int maxPooledBuffers = 256;
        private String serverName = "yimmo";
        private HttpHandler handler;

        private Builder() {
        }

        /** Listens on {@code address}: {@code host:port}, {@code unix:/path}, {@code fd://N}, {@code systemd}. */
        public Builder listen(String address) {
            ListenAddress.parse(address).forEach(this::listen);
            return this;
        }

        public Builder listen(ListenAddress address) {
            addresses.add(Objects.requireNonNull(address, "address"));
            tlsContexts.add(null);
            return this;
        }

        /**
         * Listens on {@code address} over TLS (HTTPS). The handshake must complete within the
         * {@link #headerTimeout header timeout}.
         */
        public Builder listenTls(String address, TlsContext tls) {
            Objects.requireNonNull(tls, "tls");
            ListenAddress.parse(address).forEach(parsed -> listenTls(parsed, tls));
            return this;
        }

        public Builder listenTls(ListenAddress address, TlsContext tls) {
            addresses.add(Objects.requireNonNull(address, "address"));
            tlsContexts.add(Objects.requireNonNull(tls, "tls"));
            return this;
        }

        /** The backend to make a reactor with: {@code auto}, {@code select}, {@code epoll}, {@code kqueue}. */
        public Builder reactor(String name) {
            this.reactorName = Objects.requireNonNull(name, "name");
            this.reactor = null;
            return this;
        }

        /** Serves on a reactor the caller owns and runs; {@link HttpServer#close()} leaves it running. */
        public Builder reactor(Reactor existing) {
            this.reactor = Objects.requireNonNull(existing, "reactor");
            return this;
        }

        public Builder limits(HttpLimits value) {
            this.limits = Objects.requireNonNull(value, "limits");
            return this;
        }

        /** How long a connection may stay open between requests ({@code YIMMO_SERVER_IDLE_TIMEOUT}). */
        public Builder idleTimeout(Duration value) {
            this.idleTimeout = positive("idleTimeout", value);
            return this;
        }

        /** How long a request head may take once its first byte has arrived (slow-header clients get a 408). */
        public Builder headerTimeout(Duration value) {
            this.headerTimeout = positive("headerTimeout", value);
            return this;
        }

        /** How long a request body may go without a byte while it is being read (stalled uploads). */
        public Builder bodyTimeout(Duration value) {
            this.bodyTimeout = positive("bodyTimeout", value);
            return this;
        }

        /** How long a response may wait for the client to read before the connection is dropped. */
        public Builder writeTimeout(Duration value) {
            this.writeTimeout = positive("writeTimeout", value);
            return this;
        }

        /**
         * Bytes buffered per exchange in each direction (a power of two, at least 4096): the
         * response high-water mark past which writers wait, and the request body read ahead.
         */
        public Builder bufferSize(int bytes) {
            if (bytes < 4096 || Integer.bitCount(bytes) != 1) {
                throw new IllegalArgumentException("bufferSize must be a power of two of at least 4096: " + bytes);
            }
            this.bufferSize = bytes;
            return this;
        }

        /** The {@code Server} header's value; null or empty sends none. */
        public Builder serverName(String value) {
            if (value != null) {
                HeaderSyntax.checkValue("Server", value);
            }
            this.serverName = value;
            return this;
        }

        public Builder handler(HttpHandler value) {
            this.handler = Objects.requireNonNull(value, "handler");
            return this;
        }

        /**
         * Binds every address and starts serving. Bind errors are thrown here, with every
         * address bound so far closed again.
         */
        public HttpServer start() throws IOException {
            if (handler == null) {
                throw new IllegalStateException("no handler set");
            }
            if (addresses.isEmpty()) {
                throw new IllegalStateException("no listen address set");
            }
            ServerContext context = new ServerContext(limits, handler, idleTimeout.toNanos(),
                    headerTimeout.toNanos(), bodyTimeout.toNanos(), writeTimeout.toNanos(),
                    serverName, bufferSize, maxPooledBuffers);
            boolean own = reactor == null;
            Reactor target = own ? ReactorSelection.open(reactorName, ReactorOptions.defaults()) : reactor;
            List<Listener> listeners = new ArrayList<>();
            try {
                ProtocolFactory http = connection -> new HttpSession(context, connection);
                for (int i = 0; i < addresses.size(); i++) {
                    TlsContext tls = tlsContexts.get(i);
                    listeners.add(target.listen(addresses.get(i), tls == null ? http : tls.wrap(http, headerTimeout)));
                }
            } catch (IOException | RuntimeException e) {
                listeners.forEach(Listener::close);
                if (own) {
                    target.close();
                }
                throw e;
            }
            Thread thread = own ? target.start("yimmo-http") : null;
            return new HttpServer(target, thread, List.copyOf(listeners), context);
        }

        private static Duration positive(String name, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + value);
            }
            return value;
        }
    }
}
