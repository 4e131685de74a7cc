package org.yimmo.wsgi.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding and probing interpreters; no libpython is loaded here (see {@link PythonRuntimeTest}). */
class PythonLocatorTest {

    private static final Map<String, String> BARE = Map.of("PATH", "/usr/bin:/bin");

    @TempDir
    Path temp;

    @Test
    void shouldLocateDebianPython() {
        PythonInstallation python = new PythonLocator(BARE).locate(PythonTestSupport.DEBIAN_PYTHON.toString());
        assertEquals(3, python.major());
        assertEquals(11, python.minor());
        assertEquals(PythonTestSupport.DEBIAN_PYTHON, python.executable());
        assertEquals(PythonTestSupport.DEBIAN_LIBRARY, python.library(), "needs Debian's libpython3.11 package");
        assertEquals(Path.of("/usr"), python.prefix());
        assertFalse(python.isVirtualEnv());
    }

    @Test
    void shouldFindPython3OnPathWithoutVirtualenv() {
        PythonLocator locator = new PythonLocator(BARE);
        assertEquals(PythonTestSupport.DEBIAN_PYTHON, locator.find(null));
        assertEquals(PythonTestSupport.DEBIAN_PYTHON, locator.locate("").executable());
        assertEquals(Path.of("/usr/bin/python3"), locator.find("python3"), "a command name is looked up on PATH");
    }

    @Test
    void shouldLocateEachPyenvBuild() throws Exception {
        for (String version : PythonTestSupport.PYENV_SUPPORTED) {
            Path python = PythonTestSupport.pyenvPython(version);
            PythonInstallation found = new PythonLocator(BARE).locate(python.toString());
            assertEquals(version, found.version());
            assertEquals(python, found.executable(), "bin/python is kept as given");
            Path home = python.getParent().getParent();
            assertEquals(home.resolve("lib").resolve("libpython" + version.substring(0, version.lastIndexOf('.')) + ".so.1.0"),
                    found.library());
            assertEquals(home, found.basePrefix());
        }
    }

    @Test
    void shouldPreferActiveVirtualenv() throws Exception {
        Path venv = temp.resolve("venv");
        Path python = PythonTestSupport.virtualenv(PythonTestSupport.DEBIAN_PYTHON, venv, "yimmo_marker", "x");
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin", "VIRTUAL_ENV", venv.toString());
        PythonInstallation found = new PythonLocator(env).locate(null);
        assertEquals(python, found.executable(), "the venv's bin/python, symlink not resolved");
        assertTrue(Files.isSymbolicLink(found.executable()));
        assertEquals(venv, found.prefix());
        assertEquals(Path.of("/usr"), found.basePrefix());
        assertTrue(found.isVirtualEnv());
        assertEquals(PythonTestSupport.DEBIAN_LIBRARY, found.library());
    }

    @Test
    void shouldExplainMissingInterpreter() {
        Path missing = temp.resolve("no-such-python");
        PythonSetupException e = assertThrows(PythonSetupException.class,
                () -> new PythonLocator(BARE).locate(missing.toString()));
        assertTrue(e.getMessage().contains(missing + " does not exist"), e.getMessage());

        e = assertThrows(PythonSetupException.class, () -> new PythonLocator(BARE).locate("python9.99"));
        assertTrue(e.getMessage().contains("no executable 'python9.99' on PATH (/usr/bin:/bin)"), e.getMessage());

        Map<String, String> nothing = Map.of("PATH", temp.toString(), "VIRTUAL_ENV", temp.resolve("gone").toString());
        e = assertThrows(PythonSetupException.class, () -> new PythonLocator(nothing).locate(null));
        assertTrue(e.getMessage().contains(temp.resolve("gone/bin/python") + " (from VIRTUAL_ENV)"), e.getMessage());
        assertTrue(e.getMessage().contains("python3 on PATH (" + temp + "): not found"), e.getMessage());
        assertTrue(e.getMessage().contains("--python or YIMMO_PYTHON"), e.getMessage());
    }

    @Test
    void shouldExplainMissingSharedLibrary() throws Exception {
        Path fake = PythonTestSupport.fakePython(temp, answer(11, 0, "/opt/static/lib", "libpython3.11.so.1.0"));
        PythonSetupException e = assertThrows(PythonSetupException.class, () -> new PythonLocator(BARE).locate(fake.toString()));
        assertTrue(e.getMessage().contains("(Python 3.11.4) has no shared libpython"), e.getMessage());
        assertTrue(e.getMessage().contains("--enable-shared"), e.getMessage());
        assertTrue(e.getMessage().contains("libpython3.11"), e.getMessage());
        assertTrue(e.getMessage().contains("PYTHON_CONFIGURE_OPTS=--enable-shared"), e.getMessage());
    }

    @Test
    void shouldExplainSharedLibraryThatIsNotInstalled() throws Exception {
        Path fake = PythonTestSupport.fakePython(temp, answer(11, 1, temp.toString(), "libpython3.11.so.1.0"));
        PythonSetupException e = assertThrows(PythonSetupException.class, () -> new PythonLocator(BARE).locate(fake.toString()));
        assertTrue(e.getMessage().contains("it is not there"), e.getMessage());
        assertTrue(e.getMessage().contains("install the package libpython3.11"), e.getMessage());
    }

    @Test
    void shouldRefuseUntestedNewVersion() throws Exception {
        Path fake = PythonTestSupport.fakePython(temp, answer(14, 1, temp.toString(), "libpython3.14.so.1.0"));
        PythonSetupException e = assertThrows(PythonSetupException.class, () -> new PythonLocator(BARE).locate(fake.toString()));
        assertTrue(e.getMessage().contains("(Python 3.14.4) is not supported yet"), e.getMessage());
        assertTrue(e.getMessage().contains("Py_SetProgramName"), e.getMessage());
    }

    @Test
    void shouldRefuseOldVersions() throws Exception {
        for (String version : PythonTestSupport.PYENV_TOO_OLD) {
            Path python = PythonTestSupport.pyenvPython(version);
            PythonSetupException e = assertThrows(PythonSetupException.class,
                    () -> new PythonLocator(BARE).locate(python.toString()));
            assertTrue(e.getMessage().contains("(Python " + version + ") is not supported: yimmo needs Python 3.10 to 3.13"),
                    e.getMessage());
        }
    }

    @Test
    void shouldReportProbeFailureWithStderr() throws Exception {
        Path script = temp.resolve("python");
        Files.writeString(script, "#!/bin/sh\necho 'ModuleNotFoundError: No module named encodings' >&2\nexit 1\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        PythonSetupException e = assertThrows(PythonSetupException.class, () -> new PythonLocator(BARE).locate(script.toString()));
        assertTrue(e.getMessage().contains("failed the probe (exit status 1)"), e.getMessage());
        assertTrue(e.getMessage().contains("No module named encodings"), e.getMessage());
    }

    @Test
    void shouldParseProbeJson() {
        Map<String, Object> fields = PythonLocator.FlatJson.parse(
                "{\"a\": \"x\\\"y\\\\z\\u00e9\", \"b\": -12, \"c\": null, \"d\": true, \"e\": \"\"}");
        assertEquals("x\"y\\z\u00e9", fields.get("a"));
        assertEquals(-12L, fields.get("b"));
        assertTrue(fields.containsKey("c"));
        assertEquals(Boolean.TRUE, fields.get("d"));
        assertEquals("", fields.get("e"));
        assertThrows(IllegalArgumentException.class, () -> PythonLocator.FlatJson.parse("{\"a\": 1,}"));
    }

    private static String answer(int minor, int shared, String libdir, String soname) {
        return "{\"major\": 3, \"minor\": " + minor + ", \"micro\": 4, \"executable\": \"/opt/py/bin/python3\","
                + " \"prefix\": \"/opt/py\", \"base_prefix\": \"/opt/py\", \"shared\": " + (shared == 1 ? 1 : 0)
                + ", \"gil_disabled\": 0, \"libdir\": \"" + libdir + "\", \"instsoname\": \"" + soname + "\","
                + " \"ldlibrary\": \"" + soname + "\", \"multiarch\": \"\"}";
    }
}
