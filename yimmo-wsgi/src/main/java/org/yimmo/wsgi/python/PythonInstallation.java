package org.yimmo.wsgi.python;

import java.nio.file.Path;

/**
 * What {@link PythonLocator} learnt by running a Python interpreter once: everything needed to
 * embed that interpreter's libpython so that it behaves as the interpreter would.
 *
 * @param executable  the interpreter, absolute, as the interpreter itself reports it
 *                    ({@code sys.executable}); a virtualenv's {@code bin/python} stays the
 *                    virtualenv's path, symlinks not resolved, because CPython finds
 *                    {@code pyvenv.cfg} next to it. Given to {@code Py_SetProgramName}.
 * @param major       {@code sys.version_info.major}
 * @param minor       {@code sys.version_info.minor}
 * @param micro       {@code sys.version_info.micro}
 * @param library     the shared libpython, an existing file
 * @param prefix      {@code sys.prefix} (the virtualenv, if any)
 * @param basePrefix  {@code sys.base_prefix} (the installation the virtualenv was made from)
 */
public record PythonInstallation(
        Path executable, int major, int minor, int micro, Path library, Path prefix, Path basePrefix) {

    /** {@code "3.11.7"}. */
    public String version() {
        return major + "." + minor + "." + micro;
    }

    /** Whether the interpreter runs in a virtualenv ({@code sys.prefix != sys.base_prefix}). */
    public boolean isVirtualEnv() {
        return !prefix.equals(basePrefix);
    }

    @Override
    public String toString() {
        return "Python " + version() + " (" + executable + ", " + library + ")";
    }
}
