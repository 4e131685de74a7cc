package org.yimmo.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class LogLevelTest {

    @Test
    void shouldListTheOriginalLevelsMostSevereFirst() {
        assertEquals(List.of("FATAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG", "TRACE"), LogLevel.names());
    }

    @Test
    void shouldParseEveryNameInAnyCase() {
        for (LogLevel level : LogLevel.values()) {
            assertEquals(level, LogLevel.parse(level.name()));
            assertEquals(level, LogLevel.parse(level.name().toLowerCase()));
            String mixed = level.name().charAt(0) + level.name().substring(1).toLowerCase();
            assertEquals(level, LogLevel.parse(mixed));
        }
    }

    @Test
    void shouldIgnoreSurroundingBlanks() {
        assertEquals(LogLevel.DEBUG, LogLevel.parse("  debug \n"));
    }

    @Test
    void shouldAcceptWarnForWarning() {
        assertEquals(LogLevel.WARNING, LogLevel.parse("WARN"));
        assertEquals(LogLevel.WARNING, LogLevel.parse("warn"));
    }

    @Test
    void shouldRejectAnUnknownNameListingTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogLevel.parse("verbose"));
        assertEquals("unknown log level 'verbose': expected one of FATAL, ERROR, WARNING, NOTICE, INFO, DEBUG, TRACE"
                + " (any case; WARN for WARNING)", e.getMessage());
    }

    @Test
    void shouldRejectEmptyAndNull() {
        assertThrows(IllegalArgumentException.class, () -> LogLevel.parse(""));
        assertThrows(IllegalArgumentException.class, () -> LogLevel.parse(null));
    }

    @Test
    void shouldMapOntoSlf4jLevels() {
        assertEquals(Level.ERROR, LogLevel.FATAL.slf4jLevel());
        assertEquals(Level.ERROR, LogLevel.ERROR.slf4jLevel());
        assertEquals(Level.WARN, LogLevel.WARNING.slf4jLevel());
        assertEquals(Level.INFO, LogLevel.NOTICE.slf4jLevel());
        assertEquals(Level.INFO, LogLevel.INFO.slf4jLevel());
        assertEquals(Level.DEBUG, LogLevel.DEBUG.slf4jLevel());
        assertEquals(Level.TRACE, LogLevel.TRACE.slf4jLevel());
    }
}
