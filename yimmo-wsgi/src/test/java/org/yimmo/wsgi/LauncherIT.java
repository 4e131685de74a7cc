package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.yimmo.posix.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * bin/yimmo-wsgi itself, after {@code mvn package} (failsafe runs this in the integration-test
 * phase): it starts the server from the source tree, adds its memory defaults, leaves out each one
 * that JAVA_OPTS decides, and the manager's workers run with the same JVM options.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LauncherIT {

    @RegisterExtension
    final ProcessCleanup processes = new ProcessCleanup();

    private static String get(WsgiProcess server, String path) throws Exception {
        try (RawClient client = new RawClient(server)) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
            return client.read().text();
        }
    }

    /** Whether the JVM running the tests (the one the launcher is given) has native heap trimming. */
    private static boolean jvmTrimsNativeHeap() {
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption("TrimNativeHeapInterval");
            return true;
        } catch (IllegalArgumentException unknownOption) {
            return false;
        }
    }

    @Test
    void servesWithTheMemoryDefaults() throws Exception {
        try (WsgiProcess server = processes.track(WsgiProcess.startWithLauncher(Map.of(), "workers_app:app"))) {
            assertEquals(Long.toString(server.pid()), get(server, "/pid"), "the launcher execs the server (same pid)");
            List<String> jvm = server.kernelCommandLine();
            assertTrue(jvm.contains("-XX:+UseSerialGC"), () -> "serial collector by default: " + jvm);
            assertTrue(jvm.contains("-Xms8m"), () -> "small starting heap by default: " + jvm);
            assertEquals(jvmTrimsNativeHeap(), jvm.contains("-XX:TrimNativeHeapInterval=5000"),
                    () -> "native heap trimming exactly when the JVM has it: " + jvm);
        }
    }

    @Test
    void javaOptsOverrideEachDefault() throws Exception {
        // Two collectors on one command line stop the JVM ("Multiple garbage collectors selected").
        Map<String, String> env = Map.of("JAVA_OPTS", "-XX:+UseG1GC -Xms32m -XX:TrimNativeHeapInterval=0");
        try (WsgiProcess server = processes.track(WsgiProcess.startWithLauncher(env, "workers_app:app"))) {
            assertEquals(Long.toString(server.pid()), get(server, "/pid"));
            List<String> jvm = server.kernelCommandLine();
            assertTrue(jvm.contains("-XX:+UseG1GC"), () -> jvm.toString());
            assertFalse(jvm.contains("-XX:+UseSerialGC"), () -> "JAVA_OPTS chose the collector: " + jvm);
            assertFalse(jvm.contains("-Xms8m"), () -> "JAVA_OPTS chose the starting heap: " + jvm);
            assertFalse(jvm.contains("-XX:TrimNativeHeapInterval=5000"), () -> "JAVA_OPTS chose trimming: " + jvm);
        }
    }

    @Test
    void managerWorkersRunWithTheLaunchersOptions() throws Exception {
        WsgiProcess manager = processes.track(WsgiProcess.startWithLauncher(Map.of(), "-p", "2", "workers_app:app"));
        List<Long> workers = manager.awaitChildren(2, Duration.ofSeconds(60));
        for (long worker : workers) {
            String cmdline = Files.readString(Path.of("/proc", Long.toString(worker), "cmdline")).replace('\0', ' ');
            assertTrue(cmdline.contains(" -XX:+UseSerialGC ") && cmdline.contains(" -Xms8m "),
                    () -> "worker " + worker + " runs with the launcher's options: " + cmdline);
        }
        manager.signal(Processes.SIGTERM);
        assertEquals(0, manager.awaitExit(Duration.ofSeconds(30)), manager::log);
        assertTrue(manager.log().contains("manager stopped"), manager::log);
    }
}
