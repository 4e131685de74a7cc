package org.yimmo.reactor.epoll;

import java.io.IOException;
import java.util.Locale;
import org.yimmo.core.reactor.Availability;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorProvider;

/**
 * The Linux backend: epoll(7) through jnr-ffi. Available on Linux when libc can be bound and an
 * epoll descriptor and an eventfd can be opened (probed once, the cause kept).
 */
public final class EpollReactorProvider implements ReactorProvider {

    /**
     * Below select's 10 until a benchmark shows epoll ahead of select (docs/BENCHMARKS.md), so
     * {@code auto} keeps select meanwhile; {@code epoll} must be asked for by name.
     */
    public static final int PRIORITY = 5;

    @Override
    public String name() {
        return "epoll";
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public Availability availability() {
        return Probe.AVAILABILITY;
    }

    @Override
    public Reactor create(ReactorOptions options) throws IOException {
        Availability availability = availability();
        if (!availability.available()) {
            throw new IOException("epoll reactor cannot run here: " + availability.reason(), availability.cause());
        }
        return new EpollReactor(options);
    }

    /** Probed on first use, once per class loader. */
    private static final class Probe {
        static final Availability AVAILABILITY = probe();

        private static Availability probe() {
            String os = System.getProperty("os.name", "");
            if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
                return Availability.no("needs Linux (this is " + os + ")");
            }
            try {
                Native.probe();
                return Availability.yes();
            } catch (Throwable t) {
                return Availability.no("epoll could not be opened", t);
            }
        }
    }
}
