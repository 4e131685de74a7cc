package org.yimmo.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;

/**
 * Runs an example server's main class as a real JVM process, as a newcomer runs it, with the
 * test's classpath, no inherited YIMMO_* variables, and stdout and stderr merged; every process
 * still alive after a test is killed.
 */
abstract class ExampleProcesses {

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The first line that says where the server listens, or the last line read. Lines before it
     * are skipped: newer JVMs print warnings first (JDK 23+ about libraries' use of Unsafe).
     */
    static String listeningLine(BufferedReader out) throws IOException {
        String line;
        do {
            line = out.readLine();
        } while (line != null && !line.contains("listening on") && line.startsWith("WARNING:"));
        return line;
    }

    Process start(Class<?> main, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("YIMMO_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        processes.add(process);
        return process;
    }
}
