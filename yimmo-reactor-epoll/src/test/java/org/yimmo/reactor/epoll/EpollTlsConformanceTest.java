package org.yimmo.reactor.epoll;

import org.yimmo.core.reactor.ReactorProvider;
import org.yimmo.core.tls.TlsConformanceTest;

/** The TLS conformance suite on the epoll backend. */
class EpollTlsConformanceTest extends TlsConformanceTest {

    @Override
    protected ReactorProvider provider() {
        return new EpollReactorProvider();
    }
}
