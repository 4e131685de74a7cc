package org.yimmo.reactor.select;

import org.yimmo.core.reactor.ReactorProvider;
import org.yimmo.core.tls.TlsConformanceTest;

/** The TLS conformance suite on the select backend. */
class SelectTlsConformanceTest extends TlsConformanceTest {

    @Override
    protected ReactorProvider provider() {
        return new SelectReactorProvider();
    }
}
