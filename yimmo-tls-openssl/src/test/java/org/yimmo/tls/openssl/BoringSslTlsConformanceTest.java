package org.yimmo.tls.openssl;

import org.yimmo.core.reactor.ReactorProvider;
import org.yimmo.core.tls.TlsConformanceTest;
import org.yimmo.reactor.select.SelectReactorProvider;

/** The whole TLS conformance suite, on the select reactor, with the BoringSSL engine. */
class BoringSslTlsConformanceTest extends TlsConformanceTest {

    @Override
    protected ReactorProvider provider() {
        return new SelectReactorProvider();
    }

    @Override
    protected String engine() {
        return "boringssl";
    }

    /** BoringSSL never renegotiates as a server. */
    @Override
    protected boolean renegotiates() {
        return false;
    }
}
