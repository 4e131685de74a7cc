package org.yimmo.core.net;

import java.net.SocketAddress;

/** A listening socket registered with a reactor; close() from any thread, idempotent. */
public interface Listener extends AutoCloseable {

    ListenAddress address();

    /** The bound address (with the real port when port 0 was asked for). */
    SocketAddress localAddress();

    @Override
    void close();
}
