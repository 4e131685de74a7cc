package org.yimmo.tls.openssl;

import org.yimmo.core.reactor.ReactorProvider;
import org.yimmo.reactor.epoll.EpollReactorProvider;

/** The TLS conformance suite with the OpenSSL engine on the native epoll backend too. */
class OpenSslEpollTlsConformanceTest extends OpenSslTlsConformanceTest {

    @Override
    protected ReactorProvider provider() {
        return new EpollReactorProvider();
    }
}
