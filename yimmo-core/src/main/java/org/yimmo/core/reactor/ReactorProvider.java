package org.yimmo.core.reactor;

import java.io.IOException;

/**
 * A reactor backend, found with {@link java.util.ServiceLoader}: a backend module lists its
 * provider in {@code META-INF/services/org.yimmo.core.reactor.ReactorProvider}, so putting its
 * jar on the classpath is all a library user does to offer it.
 */
public interface ReactorProvider {

    /** {@code select}, {@code epoll} or {@code kqueue}: the name YIMMO_REACTOR takes. */
    String name();

    /** Preference for {@code auto}, highest first; set from measurements (docs/BENCHMARKS.md). */
    int priority();

    /** Whether this platform can run the backend, and if not, why; probed once. */
    Availability availability();

    Reactor create(ReactorOptions options) throws IOException;
}
