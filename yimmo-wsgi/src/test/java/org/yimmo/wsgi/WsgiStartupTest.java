package org.yimmo.wsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Applications that cannot be loaded: the command exits non-zero with Python's traceback. */
class WsgiStartupTest {

    @Test
    void missingModule() throws Exception {
        WsgiProcess.Finished run = WsgiProcess.run(Map.of(), "--port", "0", "nosuchmodule:app");
        assertEquals(1, run.exitCode(), run::stderr);
        assertTrue(run.stderr().contains("ModuleNotFoundError: No module named 'nosuchmodule'"), run::stderr);
        assertFalse(run.stdout().contains("listening on"), run::stdout);
    }

    @Test
    void moduleRaisingAtImport() throws Exception {
        WsgiProcess.Finished run = WsgiProcess.run(Map.of(), "--port", "0", "raises_at_import:app");
        assertEquals(1, run.exitCode(), run::stderr);
        assertTrue(run.stderr().contains("Traceback (most recent call last)"), run::stderr);
        assertTrue(run.stderr().contains("in helper"), run::stderr);
        assertTrue(run.stderr().contains("ZeroDivisionError: raised while importing raises_at_import"), run::stderr);
        assertFalse(run.stdout().contains("listening on"), run::stdout);
    }

    @Test
    void missingApplicationName() throws Exception {
        WsgiProcess.Finished run = WsgiProcess.run(Map.of(), "--port", "0", "pep3333_app:missing_name");
        assertNotEquals(0, run.exitCode(), run::stderr);
        assertTrue(run.stderr().contains("missing_name"), run::stderr);
        assertTrue(run.stderr().contains("NameError"), run::stderr);
        assertFalse(run.stdout().contains("listening on"), run::stdout);
    }

    @Test
    void applicationNotCallable() throws Exception {
        WsgiProcess.Finished run = WsgiProcess.run(Map.of(), "--port", "0", "pep3333_app:STATE");
        assertNotEquals(0, run.exitCode(), run::stderr);
        assertTrue(run.stderr().contains("not callable"), run::stderr);
    }
}
