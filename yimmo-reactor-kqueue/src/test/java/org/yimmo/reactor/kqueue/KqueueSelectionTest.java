package org.yimmo.reactor.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Asking for kqueue where there is none is a clear error naming the platform, never a crash;
 * with the emulation (or on BSD) the same request gets the kqueue reactor.
 */
class KqueueSelectionTest {

    @Test
    void shouldSayKqueueIsForBsdAndMacosOnLinux() {
        String reason = KqueueReactorProvider.platformReason("Linux", "6.1.0", null);
        assertTrue(reason.startsWith("kqueue is a BSD/macOS facility; this is Linux"), reason);
        assertNull(KqueueReactorProvider.platformReason("Linux", "6.1.0", "/tmp/libkqemu.so"));
        reason = KqueueReactorProvider.platformReason("Windows 11", "10.0", null);
        assertTrue(reason.startsWith("kqueue is a BSD/macOS facility; this is Windows 11"), reason);
    }

    @Test
    void shouldAllowKqueueOnMacosAndFreebsd12AndLater() {
        assertNull(KqueueReactorProvider.platformReason("Mac OS X", "14.5", null));
        assertNull(KqueueReactorProvider.platformReason("FreeBSD", "12.4-RELEASE-p3", null));
        assertNull(KqueueReactorProvider.platformReason("FreeBSD", "14.1-RELEASE", null));
    }

    @Test
    void shouldNameWhatIsMissingOnOtherBsds() {
        String reason = KqueueReactorProvider.platformReason("FreeBSD", "11.4-RELEASE", null);
        assertTrue(reason.contains("FreeBSD 12 or later") && reason.endsWith("FreeBSD 11.4-RELEASE"), reason);
        reason = KqueueReactorProvider.platformReason("OpenBSD", "7.5", null);
        assertTrue(reason.contains("macOS and FreeBSD 12+") && reason.contains("OpenBSD's"), reason);
    }

    @Test
    void shouldRefuseUseKqueueOnLinuxWithAnErrorNamingThePlatform() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"));
        for (Map<String, String> env : List.of(Map.of("YIMMO_WSGI_USE_KQUEUE", "1"), Map.of("YIMMO_REACTOR", "kqueue"))) {
            Result result = child(env, false);
            assertEquals(2, result.status, result.output);
            assertTrue(result.output.startsWith("reactor 'kqueue' cannot run here: kqueue is a BSD/macOS facility; "
                    + "this is Linux"), result.output);
            assertTrue(result.output.contains("Available: ") && result.output.contains("select"), result.output);
        }
    }

    @Test
    void shouldOpenKqueueWhenUseKqueueIsSetAndKqueueIsThere() throws Exception {
        assumeTrue(new KqueueReactorProvider().availability().available());
        Result result = child(Map.of("YIMMO_WSGI_USE_KQUEUE", "1"), true);
        assertEquals(0, result.status, result.output);
        assertEquals("opened kqueue", result.output.strip());
    }

    private record Result(int status, String output) {
    }

    private static Result child(Map<String, String> env, boolean withEmulation) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), SelectReactorMain.class.getName())
                .redirectErrorStream(true);
        builder.environment().remove("YIMMO_REACTOR");
        builder.environment().remove("YIMMO_WSGI_USE_KQUEUE");
        if (!withEmulation) {
            builder.environment().remove(KqueueNative.LIBRARY_VARIABLE);
        } else if (KqueueNative.EMULATION != null) {
            builder.environment().put(KqueueNative.LIBRARY_VARIABLE, KqueueNative.EMULATION);
        }
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return new Result(process.exitValue(), output);
    }
}
