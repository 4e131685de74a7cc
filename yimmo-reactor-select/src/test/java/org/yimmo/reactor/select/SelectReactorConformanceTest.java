package org.yimmo.reactor.select;

import org.yimmo.core.reactor.ReactorConformanceTest;
import org.yimmo.core.reactor.ReactorProvider;

/** The whole reactor conformance suite on the select backend. */
class SelectReactorConformanceTest extends ReactorConformanceTest {

    @Override
    protected ReactorProvider provider() {
        return new SelectReactorProvider();
    }
}
