package org.yimmo.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * The {@code Date} field line, rebuilt at most once a second and shared by every thread: a
 * response costs one clock read and one volatile read. (RFC 9110 5.6.7 IMF-fixdate.)
 */
final class HttpDate {

    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
    };

    /** The second and its field line, published together. */
    private record Line(long epochSecond, byte[] bytes) { }

    private static volatile Line current = build(System.currentTimeMillis() / 1000);

    private HttpDate() {
    }

    /** {@code "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"} for now; do not modify the array. */
    static byte[] fieldLine() {
        Line line = current;
        long second = System.currentTimeMillis() / 1000;
        if (line.epochSecond != second) {
            // Threads racing here build equal lines; whichever is published last is right.
            line = build(second);
            current = line;
        }
        return line.bytes;
    }

    static String format(long epochSecond) {
        ZonedDateTime t = Instant.ofEpochSecond(epochSecond).atZone(ZoneOffset.UTC);
        return String.format("%s, %02d %s %04d %02d:%02d:%02d GMT",
                DAYS[t.getDayOfWeek().getValue() - 1], t.getDayOfMonth(),
                MONTHS[t.getMonthValue() - 1], t.getYear(),
                t.getHour(), t.getMinute(), t.getSecond());
    }

    private static Line build(long epochSecond) {
        return new Line(epochSecond,
                ("Date: " + format(epochSecond) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }
}
