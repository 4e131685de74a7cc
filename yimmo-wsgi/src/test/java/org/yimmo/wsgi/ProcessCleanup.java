package org.yimmo.wsgi;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Kills what a test started and left running (a failed assertion skips the test's own graceful
 * stop), with every descendant, so that a failing test leaves no manager or worker behind.
 */
final class ProcessCleanup implements AfterEachCallback {

    private final List<WsgiProcess> started = new ArrayList<>();

    /** Registers {@code server} for the cleanup and returns it. */
    WsgiProcess track(WsgiProcess server) {
        started.add(server);
        return server;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        started.forEach(WsgiProcess::kill);
        started.clear();
    }
}
