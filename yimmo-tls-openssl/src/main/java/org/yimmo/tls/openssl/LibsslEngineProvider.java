package org.yimmo.tls.openssl;

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
    /** Library names to try instead of the flavor's; null for its default library. */
    private final String[] sslNames;
    private final String[] cryptoNames;

    LibsslEngineProvider(Flavor flavor, String[] sslNames, String[] cryptoNames) {
        this.flavor = flavor;
        this.sslNames = sslNames;
        this.cryptoNames = cryptoNames;
    }

    @Override
    public String name() {
        return flavor.engineName;
    }

    @Override
    public TlsEngineFactory newFactory(List<X509Certificate> chain, PrivateKey key, List<String> applicationProtocols) {
        if (chain.isEmpty()) {
            throw new TlsSetupException("no certificate");
        }
        OpenSsl library = sslNames == null ? OpenSsl.library(flavor) : OpenSsl.load(flavor, sslNames, cryptoNames);
        return new OpenSslContext(library, chain, key, applicationProtocols);
    }
}
