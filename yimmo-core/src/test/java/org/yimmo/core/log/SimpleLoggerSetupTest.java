package org.yimmo.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.text.SimpleDateFormat;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.TimeZone;

import org.junit.jupiter.api.Test;

class SimpleLoggerSetupTest {

    private static final String P = "org.slf4j.simpleLogger.";

    @Test
    void shouldSetEveryPropertyWhenNoneIsSet() {
        Properties target = new Properties();

        List<String> set = SimpleLoggerSetup.configure(LogLevel.DEBUG, target);

        assertEquals(List.of(P + "defaultLogLevel", P + "logFile", P + "showDateTime", P + "dateTimeFormat",
                P + "showThreadName", P + "levelInBrackets"), set);
        assertEquals("debug", target.getProperty(P + "defaultLogLevel"));
        assertEquals("System.err", target.getProperty(P + "logFile"));
        assertEquals("true", target.getProperty(P + "showDateTime"));
        assertEquals("true", target.getProperty(P + "showThreadName"));
        assertEquals("true", target.getProperty(P + "levelInBrackets"));
        assertEquals(SimpleLoggerSetup.DATE_TIME_FORMAT + "' [" + ProcessHandle.current().pid() + "]'",
                target.getProperty(P + "dateTimeFormat"));
    }

    @Test
    void shouldUseTheSlf4jNameOfTheMappedLevel() {
        assertEquals("warn", SimpleLoggerSetup.properties(LogLevel.WARNING).get(P + "defaultLogLevel"));
        assertEquals("error", SimpleLoggerSetup.properties(LogLevel.FATAL).get(P + "defaultLogLevel"));
        assertEquals("info", SimpleLoggerSetup.properties(LogLevel.NOTICE).get(P + "defaultLogLevel"));
        assertEquals("trace", SimpleLoggerSetup.properties(LogLevel.TRACE).get(P + "defaultLogLevel"));
    }

    @Test
    void shouldNotOverridePropertiesTheUserSet() {
        Properties target = new Properties();
        target.setProperty(P + "defaultLogLevel", "trace");
        target.setProperty(P + "logFile", "/tmp/elsewhere.log");

        List<String> set = SimpleLoggerSetup.configure(LogLevel.ERROR, target);

        assertEquals("trace", target.getProperty(P + "defaultLogLevel"));
        assertEquals("/tmp/elsewhere.log", target.getProperty(P + "logFile"));
        assertEquals(4, set.size());
        assertTrue(!set.contains(P + "defaultLogLevel") && !set.contains(P + "logFile"));
    }

    @Test
    void shouldUseADateFormatThatIsIsoLike() {
        // slf4j-simple formats with SimpleDateFormat; java.time reads the same pattern letters.
        String formatted = OffsetDateTime.parse("2024-05-01T12:34:56.789+02:00")
                .format(DateTimeFormatter.ofPattern(SimpleLoggerSetup.DATE_TIME_FORMAT));
        assertEquals("2024-05-01T12:34:56.789+02:00", formatted);
    }

    @Test
    void shouldPrintTheProcessIdAfterTheDate() {
        String pattern = SimpleLoggerSetup.properties(LogLevel.INFO, 4321).get(P + "dateTimeFormat");
        SimpleDateFormat format = new SimpleDateFormat(pattern);
        format.setTimeZone(TimeZone.getTimeZone("UTC"));
        assertEquals("1970-01-01T00:00:00.000Z [4321]", format.format(new Date(0)));
    }
}
