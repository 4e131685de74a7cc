package org.yimmo.reactor.epoll;

import org.yimmo.core.reactor.ReactorConformanceTest;
import org.yimmo.core.reactor.ReactorProvider;

/** The whole reactor conformance suite on the epoll backend. */
class EpollReactorConformanceTest extends ReactorConformanceTest {

    @Override
    protected ReactorProvider provider() {
        return new EpollReactorProvider();
    }
}
