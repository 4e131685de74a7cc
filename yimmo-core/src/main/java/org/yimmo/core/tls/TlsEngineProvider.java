package org.yimmo.core.tls;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Another implementation of the server side of TLS, behind the JDK's {@link javax.net.ssl.SSLEngine}
 * contract, for {@link TlsContext}: found on the class path with {@link java.util.ServiceLoader},
 * chosen by its {@link #name()} ({@code --tls-engine}), or by {@code auto} when it can be used here.
 * yimmo-tls-openssl provides {@code openssl} and {@code boringssl}.
 *
 * <p>Its engines must keep the parts of the contract {@link TlsConnection} relies on: results with
 * {@code BUFFER_UNDERFLOW} until a whole record is in the source, {@code BUFFER_OVERFLOW} when the
 * destination cannot take what one step produces, {@code NEED_WRAP} while it has bytes to send,
 * and {@code CLOSED} after close_notify. An engine that holds native resources implements
 * {@link AutoCloseable}: the connection closes it once the socket is closed, on the reactor thread.
 */
public interface TlsEngineProvider {

    /** The name operators choose it by; {@code auto} and {@code jdk} are taken. */
    String name();

    /**
     * Whether {@code auto} may choose it; false for an engine that serves only when named, where
     * being installed is no reason to trust it with every connection.
     */
    default boolean automatic() {
        return true;
    }

    /**
     * Engines for one certificate chain and its key (already read and checked: the key is the
     * certificate's), speaking TLS 1.3 and 1.2 only, answering ALPN with the first of
     * {@code applicationProtocols} the client offers, and going on without ALPN when it offers
     * none of them (an empty list: no ALPN).
     *
     * @throws TlsSetupException when it cannot be used here (its library is missing, say),
     *                           saying why
     */
    TlsEngineFactory newFactory(List<X509Certificate> chain, PrivateKey key, List<String> applicationProtocols);

    /**
     * As {@link #newFactory(List, PrivateKey, List)}, on the native library at {@code library}
     * (null: the engine's default one). An engine that loads no library refuses a path.
     *
     * @throws TlsSetupException naming the library and why it cannot be used
     */
    default TlsEngineFactory newFactory(List<X509Certificate> chain, PrivateKey key, List<String> applicationProtocols,
            Path library) {
        if (library != null) {
            throw new TlsSetupException("TLS engine '" + name() + "' loads no library of the operator's choosing");
        }
        return newFactory(chain, key, applicationProtocols);
    }
}
