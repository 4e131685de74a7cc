package org.yimmo.reactor.select;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.ProtocolFactory;
import org.yimmo.core.reactor.EventLoopListener;

/**
 * A listening socket on a {@link SelectReactor}: accepts a bounded batch per turn and gives each
 * connection its handler (the lifecycle is {@link EventLoopListener}'s).
 *
 * <p>Threading: accepting runs on the reactor thread; {@link #close()} from any thread.
 */
final class SelectListener extends EventLoopListener implements SelectReactor.SelectChannel {

    private static final Logger log = LoggerFactory.getLogger(SelectListener.class);
    private static final int BACKLOG = 1024;
    /** How long accepting pauses after the process ran out of descriptors. */
    private static final long ACCEPT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final SelectReactor reactor;
    private final ServerSocketChannel channel;
    private final boolean tcp;
    private SelectionKey key;

    private SelectListener(SelectReactor reactor, ListenAddress address, ServerSocketChannel channel,
            ProtocolFactory protocol, Path ownedSocketFile) throws IOException {
        super(address, channel.getLocalAddress(), protocol, ownedSocketFile);
        this.reactor = reactor;
        this.channel = channel;
        this.tcp = !(localAddress() instanceof UnixDomainSocketAddress);
    }

    /** Binds or adopts the socket on the calling thread, so errors surface to the caller. */
    static SelectListener bind(SelectReactor reactor, ListenAddress address, ProtocolFactory protocol)
            throws IOException {
        ServerSocketChannel channel;
        Path ownedSocketFile = null;
        if (address instanceof ListenAddress.Tcp tcp) {
            channel = ServerSocketChannel.open();
            try {
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                channel.bind(tcp.toSocketAddress(), BACKLOG);
            } catch (IOException e) {
                channel.close();
                throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
            }
        } else if (address instanceof ListenAddress.Unix unix) {
            removeStaleSocket(unix.path());
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.bind(UnixDomainSocketAddress.of(unix.path()), BACKLOG);
            } catch (IOException e) {
                channel.close();
                throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
            }
            ownedSocketFile = unix.path();
        } else {
            channel = InheritedChannels.adopt(((ListenAddress.Inherited) address).fd());
        }
        try {
            channel.configureBlocking(false);
            return new SelectListener(reactor, address, channel, protocol, ownedSocketFile);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** A socket file nobody accepts on is left over from a dead server; a live one is an error. */
    private static void removeStaleSocket(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        if (Files.isRegularFile(path) || Files.isDirectory(path)) {
            throw new IOException("cannot listen on unix:" + path + ": a file that is not a socket is in the way");
        }
        boolean live;
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            live = probe.isConnected();
        } catch (IOException refused) {
            live = false;
        }
        if (live) {
            throw new IOException("cannot listen on unix:" + path + ": another process is listening there");
        }
        Files.deleteIfExists(path);
    }

    void register(Selector selector) throws IOException {
        if (!isClosed()) {
            key = channel.register(selector, SelectionKey.OP_ACCEPT, this);
        }
    }

    @Override
    public void onReady(int readyOps) {
        int limit = reactor.options().acceptsPerTurn();
        for (int i = 0; i < limit && !isClosed(); i++) {
            try {
                SocketChannel accepted = channel.accept();
                if (accepted == null) {
                    return;
                }
                open(accepted);
            } catch (Throwable t) {
                // Typically EMFILE, on accept or on a class the JVM cannot load without a free
                // descriptor. The pending connection stays queued: pause instead of spinning on
                // a readiness we cannot act on, and keep the loop alive.
                log.warn("accept on {} failed, pausing accepts for {} ms: {}", address(),
                        TimeUnit.NANOSECONDS.toMillis(ACCEPT_BACKOFF_NANOS), t.toString());
                pauseAccepting();
                return;
            }
        }
    }

    private void open(SocketChannel accepted) {
        SelectConnection connection;
        try {
            accepted.configureBlocking(false);
            if (tcp) {
                accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            connection = new SelectConnection(reactor, accepted, null);
        } catch (IOException e) {
            log.debug("dropping a connection on {} that failed at once: {}", address(), e.getMessage());
            try {
                accepted.close();
            } catch (IOException ignored) {
                // already broken; nothing more to release
            }
            return;
        }
        if (giveHandler(connection)) {
            connection.register();
        }
    }

    private void pauseAccepting() {
        if (key == null || !key.isValid()) {
            return;
        }
        key.interestOps(0);
        reactor.timers().schedule(reactor.nanoTime() + ACCEPT_BACKOFF_NANOS, (id, now) -> {
            if (!isClosed() && key.isValid()) {
                key.interestOps(SelectionKey.OP_ACCEPT);
            }
        });
    }

    /** Once, on the closing thread: the key and the channel go, then the socket file. */
    @Override
    protected void release() {
        reactor.forget(this);
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing listener {} failed", address(), e);
        }
        removeSocketFile();
    }
}
