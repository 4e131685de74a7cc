package org.yimmo.tls.openssl;

/**
 * {@code --tls-engine openssl}: the server side of TLS on the system's OpenSSL (libssl 3, or
 * 1.1.1), found by {@link java.util.ServiceLoader}; {@code auto} chooses it when libssl loads.
 */
public final class OpenSslEngineProvider extends LibsslEngineProvider {

    public OpenSslEngineProvider() {
        super(Flavor.OPENSSL);
    }
}
