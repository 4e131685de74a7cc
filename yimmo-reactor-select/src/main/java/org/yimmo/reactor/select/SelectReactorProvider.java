package org.yimmo.reactor.select;

import java.io.IOException;
import org.yimmo.core.reactor.Availability;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorProvider;

/** The portable backend: java.nio.channels.Selector, available wherever the JDK runs. */
public final class SelectReactorProvider implements ReactorProvider {

    /** Lowest preference: native backends win {@code auto} once they measure faster. */
    public static final int PRIORITY = 10;

    @Override
    public String name() {
        return "select";
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public Availability availability() {
        return Availability.yes();
    }

    @Override
    public Reactor create(ReactorOptions options) throws IOException {
        return new SelectReactor(options);
    }
}
