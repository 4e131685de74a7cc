package org.yimmo.reactor.kqueue;

import org.yimmo.core.reactor.ReactorConformanceTest;
import org.yimmo.core.reactor.ReactorProvider;

/**
 * The whole reactor conformance suite on the kqueue backend: on Linux over the kqueue emulation
 * (src/test/c/kqemu.c, through the real binding), on BSD and macOS over the kernel's kqueue.
 */
class KqueueReactorConformanceTest extends ReactorConformanceTest {

    @Override
    protected ReactorProvider provider() {
        return new KqueueReactorProvider();
    }
}
