package org.yimmo.reactor.select;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.ConnectionHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.core.reactor.EventLoop;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;

/**
 * The reactor on java.nio.channels.Selector: the {@link EventLoop} waiting in
 * {@code Selector.select}, which dispatches ready keys to a consumer as it returns (no selected-key
 * set, no iterator per turn).
 *
 * <p>Threading: as {@link Reactor} says; the selector, keys, connections, timers and buffers are
 * touched on the reactor thread only. Other threads wake the selector only when the loop has
 * announced that it is going to sleep ({@link EventLoop}).
 */
final class SelectReactor extends EventLoop {

    private static final Logger log = LoggerFactory.getLogger(SelectReactor.class);

    private final Selector selector;
    private final Consumer<SelectionKey> dispatchKey = this::dispatchKey;

    SelectReactor(ReactorOptions options) throws IOException {
        super(options);
        this.selector = Selector.open();
    }

    @Override
    public String backend() {
        return "select";
    }

    @Override
    public Listener listen(ListenAddress address, ProtocolFactory protocol) throws IOException {
        SelectListener listener = SelectListener.bind(this, address, protocol);
        registerListener(listener, () -> {
            try {
                listener.register(selector);
            } catch (IOException e) {
                log.error("cannot register listener {}", address, e);
                listener.close();
            }
        });
        return listener;
    }

    @Override
    public Connection connect(SocketAddress remote, ConnectionHandler handler) throws IOException {
        SocketChannel channel = remote instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        SelectConnection connection;
        try {
            channel.configureBlocking(false);
            boolean connected = channel.connect(remote);
            connection = new SelectConnection(this, channel, connected ? null : remote);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        connection.setHandler(handler);
        onLoop(connection::register);
        return connection;
    }

    Selector selector() {
        return selector;
    }

    /** The selector dispatches each ready key as it returns; the count is of keys handled. */
    @Override
    protected int poll(long timeoutNanos) throws IOException {
        if (timeoutNanos == 0) {
            return selector.selectNow(dispatchKey);
        } else if (timeoutNanos == NO_TIMEOUT) {
            return selector.select(dispatchKey);
        } else {
            return selector.select(dispatchKey, roundUpToMillis(timeoutNanos));
        }
    }

    /** Already done by {@link #poll}. */
    @Override
    protected int dispatch(int ready) {
        return ready;
    }

    private void dispatchKey(SelectionKey key) {
        if (key.isValid()) {
            ((SelectChannel) key.attachment()).onReady(key.readyOps());
        }
        notifyClosed();
    }

    @Override
    protected void wakeUpKernel() {
        selector.wakeup();
    }

    /** A connection closed; its handler hears of it after the current callback. */
    void closed(SelectConnection connection) {
        notifyClosedLater(connection);
    }

    void forget(SelectListener listener) {
        listenerClosed(listener);
    }

    @Override
    protected void closeRegistrations() {
        List<SelectionKey> keys = new ArrayList<>(selector.keys());
        for (SelectionKey key : keys) {
            ((SelectChannel) key.attachment()).close();
        }
    }

    @Override
    protected void closeKernelResources() {
        try {
            selector.close();
        } catch (IOException e) {
            log.warn("closing the selector failed", e);
        }
    }

    /** What a selection key is attached to: a listener or a connection. */
    interface SelectChannel {
        void onReady(int readyOps);

        void close();
    }
}
