package org.yimmo.tls.openssl;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.yimmo.core.tls.TlsEngineFactory;
import org.yimmo.core.tls.TlsEngineProvider;
import org.yimmo.core.tls.TlsSetupException;

/**
 * {@code --tls-engine openssl}: the server side of TLS on the system's OpenSSL (libssl 3, or
 * 1.1.1), found by {@link java.util.ServiceLoader}. Where the library cannot be loaded,
 * {@link #newFactory} says so with a {@link TlsSetupException}, and {@code auto} goes on with
 * the JDK's engine.
 */
public final class OpenSslEngineProvider implements TlsEngineProvider {

    /** Library names to try instead of the default ones; null for the default library. */
    private final String[] sslNames;
    private final String[] cryptoNames;

    public OpenSslEngineProvider() {
        this(null, null);
    }

    /** A provider binding the first of these names that loads (for tests: a name that does not). */
    OpenSslEngineProvider(String[] sslNames, String[] cryptoNames) {
        this.sslNames = sslNames;
        this.cryptoNames = cryptoNames;
    }

    @Override
    public String name() {
        return "openssl";
    }

    @Override
    public TlsEngineFactory newFactory(List<X509Certificate> chain, PrivateKey key, List<String> applicationProtocols) {
        if (chain.isEmpty()) {
            throw new TlsSetupException("no certificate");
        }
        OpenSsl library = sslNames == null ? OpenSsl.library() : OpenSsl.load(sslNames, cryptoNames);
        return new OpenSslContext(library, chain, key, applicationProtocols);
    }
}
