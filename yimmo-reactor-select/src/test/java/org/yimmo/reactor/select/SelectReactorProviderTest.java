package org.yimmo.reactor.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorSelection;
import org.yimmo.core.reactor.ReactorSelectionException;

/** The select backend as a library user gets it: found on the classpath by ServiceLoader. */
class SelectReactorProviderTest {

    @Test
    void shouldBeFoundOnTheClasspathAndChosenByNameAndByAuto() throws Exception {
        assertInstanceOf(SelectReactorProvider.class, ReactorSelection.choose("select"));
        assertInstanceOf(SelectReactorProvider.class, ReactorSelection.choose("auto"));
        try (Reactor reactor = ReactorSelection.open("select", ReactorOptions.defaults())) {
            assertEquals("select", reactor.backend());
        }
    }

    @Test
    void shouldNameTheMissingBackendAndWhatIsAvailable() {
        String message = assertThrows(ReactorSelectionException.class, () -> ReactorSelection.choose("kqueue"))
                .getMessage();
        assertTrue(message.startsWith("reactor 'kqueue' is not on the classpath"), message);
        assertTrue(message.contains("Available: select"), message);
    }
}
