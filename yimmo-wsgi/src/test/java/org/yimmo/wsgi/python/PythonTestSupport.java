package org.yimmo.wsgi.python;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Where the test interpreters are: Debian's python3 and the pyenv builds (installed by .ci/run). */
final class PythonTestSupport {

    static final Path DEBIAN_PYTHON = Path.of("/usr/bin/python3");
    static final Path DEBIAN_LIBRARY = Path.of("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0");
    static final List<String> PYENV_SUPPORTED = List.of("3.10.13", "3.11.7", "3.12.1", "3.13.0");
    static final List<String> PYENV_TOO_OLD = List.of("2.7.18", "3.9.18");

    private static Path pyenvRoot;

    private PythonTestSupport() {
    }

    /** {@code $(pyenv root)}; fails (no skip) if pyenv is missing. */
    static synchronized Path pyenvRoot() throws IOException, InterruptedException {
        if (pyenvRoot == null) {
            String fromEnv = System.getenv("PYENV_ROOT");
            Path root = fromEnv != null && !fromEnv.isEmpty() ? Path.of(fromEnv) : Path.of(System.getProperty("user.home"), ".pyenv");
            if (!Files.isDirectory(root.resolve("versions"))) {
                Process process = new ProcessBuilder("pyenv", "root").redirectErrorStream(true).start();
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    throw new IllegalStateException("pyenv is needed by these tests (.ci/run installs it): " + out);
                }
                root = Path.of(out);
            }
            pyenvRoot = root;
        }
        return pyenvRoot;
    }

    static Path pyenvPython(String version) throws IOException, InterruptedException {
        Path python = pyenvRoot().resolve("versions").resolve(version).resolve("bin").resolve("python");
        if (!Files.isExecutable(python)) {
            throw new IllegalStateException("pyenv " + version + " is needed by these tests (.ci/run installs it): no " + python);
        }
        return python;
    }

    /** Makes {@code python -m venv --without-pip dir} with a module {@code marker} in its site-packages. */
    static Path virtualenv(Path python, Path dir, String marker, String value) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(python.toString(), "-m", "venv", "--without-pip", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("venv failed: " + out);
        }
        try (var sitePackages = Files.find(dir.resolve("lib"), 2, (p, a) -> p.getFileName().toString().equals("site-packages"))) {
            Path site = sitePackages.findFirst().orElseThrow();
            Files.writeString(site.resolve(marker + ".py"), "VALUE = '" + value + "'\n");
        }
        return dir.resolve("bin").resolve("python");
    }

    /** A shell script posing as a Python that prints {@code answer} as its probe answer. */
    static Path fakePython(Path dir, String answer) throws IOException {
        Path script = dir.resolve("python");
        Files.writeString(script, "#!/bin/sh\necho 'some noise'\necho '" + PythonLocator.PROBE_MARK + answer + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }
}
