package org.yimmo.tls.openssl;

import org.yimmo.core.reactor.ReactorProvider;
import org.yimmo.core.tls.TlsConformanceTest;
import org.yimmo.reactor.select.SelectReactorProvider;

/** The whole TLS conformance suite, on the select reactor, with the OpenSSL engine. */
class OpenSslTlsConformanceTest extends TlsConformanceTest {

    @Override
    protected ReactorProvider provider() {
        return new SelectReactorProvider();
    }

    @Override
    protected String engine() {
        return "openssl";
    }

    /** Refused, as nginx does: OpenSSL cannot take the data a JDK client sends behind its ClientHello. */
    @Override
    protected boolean renegotiates() {
        return false;
    }
}
