package org.yimmo.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ListenAddressTest {

    private static List<ListenAddress> parse(String text) {
        return ListenAddress.parse(text, Map.of(), 1234);
    }

    private static String error(String text) {
        return assertThrows(IllegalArgumentException.class, () -> parse(text)).getMessage();
    }

    @Test
    void shouldParseEveryForm() {
        assertEquals(List.of(new ListenAddress.Tcp("127.0.0.1", 8081)), parse("127.0.0.1:8081"));
        assertEquals(List.of(new ListenAddress.Tcp("localhost", 0)), parse(" localhost:0 "));
        assertEquals(List.of(new ListenAddress.Tcp("::1", 443)), parse("[::1]:443"));
        assertEquals(List.of(new ListenAddress.Tcp("::", 8081)), parse("[::]:8081"));
        assertEquals(List.of(new ListenAddress.Unix(Path.of("/run/yimmo.sock"))), parse("unix:/run/yimmo.sock"));
        assertEquals(List.of(new ListenAddress.Inherited(7)), parse("fd://7"));
    }

    @Test
    void shouldPrintTheFormItParses() {
        for (String text : List.of("127.0.0.1:8081", "[::1]:443", "unix:/tmp/a.sock", "fd://3")) {
            assertEquals(text, parse(text).get(0).toString());
        }
    }

    @Test
    void shouldRefuseMalformedAddressesSayingWhatWasExpected() {
        assertEquals("listen address '8081' is not valid: expected host:port, [v6]:port, unix:/path, fd://N or systemd",
                error("8081"));
        assertEquals("listen address '::1:80' is not valid: expected an IPv6 host in brackets, as [::1]:8081",
                error("::1:80"));
        assertEquals("listen address 'host:http' is not valid: expected a port number", error("host:http"));
        assertEquals("listen address 'host:70000' is not valid: expected a port in 0..65535", error("host:70000"));
        assertEquals("listen address ':80' is not valid: expected a host before the port", error(":80"));
        assertEquals("listen address 'unix:' is not valid: expected a path after unix:", error("unix:"));
        assertEquals("listen address 'fd://-1' is not valid: expected a descriptor number", error("fd://-1"));
    }

    @Test
    void shouldTakeSystemdSocketsOnlyWhenMeantForThisProcess() {
        Map<String, String> env = Map.of("LISTEN_PID", "1234", "LISTEN_FDS", "2");
        assertEquals(List.of(new ListenAddress.Inherited(3), new ListenAddress.Inherited(4)),
                ListenAddress.parse("systemd", env, 1234));
        assertEquals("systemd: LISTEN_PID=1234 names another process (this one is 99)",
                assertThrows(IllegalArgumentException.class,
                        () -> ListenAddress.parse("systemd", env, 99)).getMessage());
        assertEquals("systemd: LISTEN_PID and LISTEN_FDS are not set; this process was not socket-activated",
                assertThrows(IllegalArgumentException.class,
                        () -> ListenAddress.parse("systemd", Map.of(), 1234)).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ListenAddress.parse("systemd", Map.of("LISTEN_PID", "1234", "LISTEN_FDS", "0"), 1234));
    }
}
