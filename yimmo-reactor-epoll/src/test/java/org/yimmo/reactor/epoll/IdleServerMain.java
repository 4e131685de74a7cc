package org.yimmo.reactor.epoll;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.yimmo.core.net.Connection;
import org.yimmo.core.net.EchoHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;

/**
 * Child process for {@link EpollIdleConnectionsTest}: an epoll echo server that counts its open
 * connections and, for each {@code measure} line on stdin, prints
 * {@code open=N inUse=N allocated=N heap=BYTES rss=BYTES} (heap used after a full GC; resident
 * set size from /proc). Run it with a fixed, pre-touched heap so that the resident size grows
 * only with native memory.
 */
public final class IdleServerMain {

    private IdleServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Reactor reactor = new EpollReactorProvider().create(ReactorOptions.defaults());
        int[] open = new int[1];
        Listener listener = reactor.listen(ListenAddress.tcp("127.0.0.1", 0), c -> new EchoHandler() {
            @Override
            public void onOpen(Connection connection) {
                open[0]++;
            }

            @Override
            public void onClosed(Connection connection, Throwable cause) {
                super.onClosed(connection, cause);
                open[0]--;
            }
        });
        reactor.start("idle-server");
        System.out.println("listening " + listener.localAddress());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (!line.equals("measure")) {
                continue;
            }
            CompletableFuture<String> counts = new CompletableFuture<>();
            reactor.execute(() -> counts.complete("open=" + open[0] + " inUse=" + reactor.buffers().inUse()
                    + " allocated=" + reactor.buffers().allocated()));
            String loop = counts.get(20, TimeUnit.SECONDS);
            System.out.println(loop + " heap=" + heapAfterGc() + " rss=" + residentBytes());
            System.out.flush();
        }
        reactor.close();
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getUsed();
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
