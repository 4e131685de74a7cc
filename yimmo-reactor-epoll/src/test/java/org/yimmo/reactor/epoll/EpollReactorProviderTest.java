package org.yimmo.reactor.epoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yimmo.core.net.EchoHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorSelection;

/** The epoll backend as a library user gets it, and the errors its native layer reports. */
class EpollReactorProviderTest {

    @Test
    void shouldBeFoundOnTheClasspathAndChosenByName() throws Exception {
        assertTrue(new EpollReactorProvider().availability().available(), new EpollReactorProvider().availability().reason());
        assertInstanceOf(EpollReactorProvider.class, ReactorSelection.choose("epoll"));
        try (Reactor reactor = ReactorSelection.open("epoll", ReactorOptions.defaults())) {
            assertEquals("epoll", reactor.backend());
        }
    }

    @Test
    void shouldRankBelowSelectUntilABenchmarkShowsItAhead() {
        assertTrue(EpollReactorProvider.PRIORITY < 10, "select's priority is 10");
    }

    @Test
    void shouldNameTheFailedCallAndErrnoWhenAPortIsTaken() throws Exception {
        Reactor reactor = new EpollReactorProvider().create(ReactorOptions.defaults());
        try (Listener first = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new EchoHandler())) {
            int port = ((InetSocketAddress) first.localAddress()).getPort();
            IOException e = assertThrows(IOException.class,
                    () -> reactor.listen(ListenAddress.tcp("127.0.0.1", port), c -> new EchoHandler()));
            assertTrue(e.getMessage().contains("bind: Address already in use (errno 98)"), e.getMessage());
        } finally {
            reactor.close();
        }
    }

    @Test
    void shouldRefuseAnInheritedDescriptorThatIsNotAListeningSocket(@TempDir Path dir) throws Exception {
        Reactor reactor = new EpollReactorProvider().create(ReactorOptions.defaults());
        try {
            // Descriptor 0 of a test JVM is a pipe or /dev/null, never a listening socket.
            IOException e = assertThrows(IOException.class,
                    () -> reactor.listen(new ListenAddress.Inherited(0), c -> new EchoHandler()));
            assertTrue(e.getMessage().startsWith("fd://0 is not a listening socket"), e.getMessage());
            Path file = Files.createFile(dir.resolve("plain"));
            IOException blocked = assertThrows(IOException.class,
                    () -> reactor.listen(new ListenAddress.Unix(file), c -> new EchoHandler()));
            assertTrue(blocked.getMessage().contains("not a socket is in the way"), blocked.getMessage());
        } finally {
            reactor.close();
        }
    }
}
