package org.yimmo.reactor.kqueue;

import org.yimmo.core.reactor.ReactorProvider;
import org.yimmo.core.tls.TlsConformanceTest;

/** The TLS conformance suite on the kqueue backend. */
class KqueueTlsConformanceTest extends TlsConformanceTest {

    @Override
    protected ReactorProvider provider() {
        return new KqueueReactorProvider();
    }
}
