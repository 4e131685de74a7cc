package org.yimmo.reactor.kqueue;

import java.io.IOException;
import java.util.Locale;
import org.yimmo.core.reactor.Availability;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorProvider;

/**
 * The BSD and macOS backend: kqueue(2) through jnr-ffi. Asked for with {@code YIMMO_REACTOR=kqueue}
 * or the original's {@code YIMMO_WSGI_USE_KQUEUE=1}.
 *
 * <p>Available when a kqueue can be opened (probed once, the cause kept) on macOS or FreeBSD 12+,
 * whose socket calls the shared POSIX layer (yimmo-posix) speaks; on Linux only with a kqueue
 * emulation named by {@value KqueueNative#LIBRARY_PROPERTY} (the tests). Elsewhere the reason says
 * what is missing, so that asking for kqueue is a clear error, never a crash.
 */
public final class KqueueReactorProvider implements ReactorProvider {

    /** As epoll's: below select's 10 until a benchmark shows it ahead. */
    public static final int PRIORITY = 5;

    @Override
    public String name() {
        return "kqueue";
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
            throw new IOException("kqueue reactor cannot run here: " + availability.reason(), availability.cause());
        }
        return new KqueueReactor(options);
    }

    /**
     * Whether kqueue can be used on {@code osName} {@code osVersion}, before any probe: null if it
     * may, else why not. {@code emulation} is the emulation library asked for, or null.
     */
    static String platformReason(String osName, String osVersion, String emulation) {
        if (emulation != null) {
            return null;
        }
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return null;
        }
        if (os.startsWith("freebsd")) {
            int major = leadingNumber(osVersion);
            // FreeBSD 12 made struct kevent 64 bytes (ext[4]); KeventLayout knows only that one.
            return major >= 12 ? null : "the kqueue reactor needs FreeBSD 12 or later (64-byte struct kevent); this is "
                    + osName + " " + osVersion;
        }
        if (os.contains("bsd") || os.startsWith("dragonfly")) {
            return "the kqueue reactor runs on macOS and FreeBSD 12+; the shared POSIX layer (yimmo-posix) does not know "
                    + osName + "'s socket constants or struct kevent";
        }
        return "kqueue is a BSD/macOS facility; this is " + osName
                + " (use epoll or select; tests set -D" + KqueueNative.LIBRARY_PROPERTY + " to a kqueue emulation)";
    }

    /** The number a version string starts with ("13.2-RELEASE": 13), or -1. */
    private static int leadingNumber(String version) {
        int end = 0;
        while (end < version.length() && end < 9 && Character.isDigit(version.charAt(end))) {
            end++;
        }
        return end == 0 ? -1 : Integer.parseInt(version.substring(0, end));
    }

    /** Probed on first use, once per class loader. */
    private static final class Probe {
        static final Availability AVAILABILITY = probe();

        private static Availability probe() {
            String reason = platformReason(System.getProperty("os.name", ""), System.getProperty("os.version", ""),
                    KqueueNative.EMULATION);
            if (reason != null) {
                return Availability.no(reason);
            }
            try {
                KqueueNative.probe();
                return Availability.yes();
            } catch (Throwable t) {
                return Availability.no("kqueue could not be opened"
                        + (KqueueNative.EMULATION != null ? " (emulation " + KqueueNative.EMULATION + ")" : ""), t);
            }
        }
    }
}
