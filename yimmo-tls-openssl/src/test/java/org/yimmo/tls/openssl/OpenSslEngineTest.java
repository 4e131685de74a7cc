package org.yimmo.tls.openssl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.yimmo.core.tls.TestCertificates;
import org.yimmo.core.tls.TlsConfig;
import org.yimmo.core.tls.TlsContext;

/** The engine tests on the system's OpenSSL, and the engine auto chooses. */
class OpenSslEngineTest extends LibsslEngineTest {

    @Override
    Flavor flavor() {
        return Flavor.OPENSSL;
    }

    /** BoringSSL comes first on the class path (META-INF/services), and still serves only when named. */
    @Test
    void shouldLeaveBoringSslToBeNamedWhenAutoChooses() throws Exception {
        TestCertificates certificates = TestCertificates.localhost();
        TlsConfig config = new TlsConfig(certificates.certificate(), certificates.key());
        String auto = TlsContext.load(config, TlsContext.ENGINE_AUTO).engine();
        assertTrue(auto.startsWith("openssl (OpenSSL "), auto);
        String named = TlsContext.load(config, "boringssl").engine();
        assertTrue(named.startsWith("boringssl (BoringSSL"), named);
    }
}
