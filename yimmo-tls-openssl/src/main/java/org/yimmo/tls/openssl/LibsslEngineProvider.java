package org.yimmo.tls.openssl;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.yimmo.core.tls.TlsEngineFactory;
import org.yimmo.core.tls.TlsEngineProvider;
import org.yimmo.core.tls.TlsSetupException;

/**
 * The engine provider of one libssl {@link Flavor}: the same engine on either family. Where the
 * library cannot be loaded, {@link #newFactory} says so with a {@link TlsSetupException}, and
 * {@code auto} goes on with the next engine.
 */
abstract class LibsslEngineProvider implements TlsEngineProvider {

    private final Flavor flavor;

    LibsslEngineProvider(Flavor flavor) {
        this.flavor = flavor;
    }

    @Override
    public String name() {
        return flavor.engineName;
    }

    @Override
    public TlsEngineFactory newFactory(List<X509Certificate> chain, PrivateKey key, List<String> applicationProtocols) {
        return newFactory(chain, key, applicationProtocols, null);
    }

    /** {@code library}: a libssl file; its libcrypto is the file beside it named alike. */
    @Override
    public TlsEngineFactory newFactory(List<X509Certificate> chain, PrivateKey key, List<String> applicationProtocols,
            Path library) {
        if (chain.isEmpty()) {
            throw new TlsSetupException("no certificate");
        }
        return new OpenSslContext(OpenSsl.library(flavor, library), chain, key, applicationProtocols);
    }
}
