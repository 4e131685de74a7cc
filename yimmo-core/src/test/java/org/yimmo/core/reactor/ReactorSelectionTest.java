package org.yimmo.core.reactor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReactorSelectionTest {

    /** A provider that only answers the selection questions. */
    private record Backend(String name, int priority, Availability availability) implements ReactorProvider {
        @Override
        public Reactor create(ReactorOptions options) {
            throw new AssertionError("selection must not create reactors");
        }
    }

    private final Backend select = new Backend("select", 10, Availability.yes());
    private final Backend epoll = new Backend("epoll", 20, Availability.yes());
    private final Backend kqueue = new Backend("kqueue", 30, Availability.no("kqueue needs BSD or macOS, this is Linux"));

    private String error(String requested, List<ReactorProvider> providers) {
        return assertThrows(ReactorSelectionException.class, () -> ReactorSelection.choose(requested, providers))
                .getMessage();
    }

    @Test
    void shouldPickTheHighestPriorityAvailableBackendForAuto() {
        assertSame(epoll, ReactorSelection.choose("auto", List.of(select, kqueue, epoll)));
        assertSame(select, ReactorSelection.choose(null, List.of(select, kqueue)));
    }

    @Test
    void shouldPickANamedBackendWhateverItsCase() {
        assertSame(select, ReactorSelection.choose(" Select ", List.of(select, epoll)));
    }

    @Test
    void shouldExplainAnUnavailableBackendAndListTheOthers() {
        assertEquals("reactor 'kqueue' cannot run here: kqueue needs BSD or macOS, this is Linux. "
                + "Available: epoll, select. Not available: kqueue (kqueue needs BSD or macOS, this is Linux).",
                error("kqueue", List.of(select, epoll, kqueue)));
    }

    @Test
    void shouldExplainABackendMissingFromTheClasspath() {
        assertEquals("reactor 'epoll' is not on the classpath (add the yimmo-reactor-epoll jar). Available: select.",
                error("epoll", List.of(select)));
    }

    @Test
    void shouldRefuseAnUnknownName() {
        assertEquals("unknown reactor 'poll': expected one of auto, select, epoll, kqueue. Available: select.",
                error("poll", List.of(select)));
    }

    @Test
    void shouldFailAutoWhenNothingCanRun() {
        assertEquals("no reactor can run here. Available: none. Not available: kqueue "
                + "(kqueue needs BSD or macOS, this is Linux).", error("auto", List.of(kqueue)));
    }
}
