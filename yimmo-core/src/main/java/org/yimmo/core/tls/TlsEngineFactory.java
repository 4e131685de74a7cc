package org.yimmo.core.tls;

import java.net.SocketAddress;
import javax.net.ssl.SSLEngine;

/** Makes the server-side engines of one certificate, for a {@link TlsEngineProvider}; thread safe. */
public interface TlsEngineFactory {

    /** A server-side engine for one connection from {@code peer}. */
    SSLEngine newEngine(SocketAddress peer);

    /** What the engines are, for the start-up log: the library and its version. */
    String describe();
}
