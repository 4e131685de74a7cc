package org.yimmo.wsgi.bridge;

import com.kenai.jffi.MemoryIO;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.annotations.Delegate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.wsgi.python.LibPython;
import org.yimmo.wsgi.python.PythonRuntime;

/**
 * Python callables implemented in Java: a builtin function object ({@code PyCFunction}, vectorcall
 * convention {@code METH_FASTCALL}) whose C entry point is a JNR closure.
 *
 * <p>Two rules from embedding-cpython.md section 4. jnr-ffi keeps only a weak reference from the
 * native trampoline to the Java object, so every closure and its {@code PyMethodDef} are held here
 * for the process's life (the functions live as long as the interpreter). And a Java exception
 * must never cross the native frame: each call is wrapped, and a Throwable becomes a Python
 * {@code RuntimeError} (an {@link PythonRaise} becomes the exception it names).
 */
final class NativeCallables {

    private static final Logger LOG = LoggerFactory.getLogger(NativeCallables.class);
    /** {@code METH_FASTCALL}: {@code (PyObject *self, PyObject *const *args, Py_ssize_t nargs)}. */
    private static final int METH_FASTCALL = 0x0080;
    /** Keeps every closure and method definition reachable: they must outlive the interpreter. */
    private static final List<Object> KEEP = new ArrayList<>();

    /** The C signature of a METH_FASTCALL function, as jnr-ffi calls it back. */
    public interface FastCall {
        @Delegate
        long call(long self, long args, long nargs);
    }

    /** The Java body of a callable; GIL held; returns a new reference or throws. */
    @FunctionalInterface
    interface Body {
        long call(long args, long nargs) throws Exception;
    }

    /** A Python exception to raise from a {@link Body}: the type (a {@code PyExc_*} object) and message. */
    static final class PythonRaise extends Exception {
        private static final long serialVersionUID = 1L;
        final transient long type;

        PythonRaise(long type, String message) {
            super(message, null, false, false);
            this.type = type;
        }
    }

    private NativeCallables() {
    }

    /** A new reference to a builtin function {@code name} that runs {@code body}. */
    static synchronized long create(PythonRuntime runtime, String name, Body body) {
        LibPython api = runtime.api();
        long runtimeError = runtime.exceptionType("RuntimeError");
        FastCall entry = (self, args, nargs) -> {
            try {
                return body.call(args, nargs);
            } catch (PythonRaise raise) {
                api.PyErr_SetString(raise.type, raise.getMessage());
                return 0;
            } catch (Throwable t) {
                LOG.error("{}() failed in Java", name, t);
                api.PyErr_SetString(runtimeError, name + "() failed in the server: " + t);
                return 0;
            }
        };
        long function = jnr.ffi.Runtime.getRuntime(api).getClosureManager()
                .getClosurePointer(FastCall.class, entry).address();
        MemoryIO memory = MemoryIO.getInstance();
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        long nameAddress = memory.allocateMemory(nameBytes.length, false);
        memory.putByteArray(nameAddress, nameBytes, 0, nameBytes.length);
        long methodDef = memory.allocateMemory(32, true); // {ml_name, ml_meth, ml_flags, ml_doc}
        memory.putAddress(methodDef, nameAddress);
        memory.putAddress(methodDef + 8, function);
        memory.putInt(methodDef + 16, METH_FASTCALL);
        long callable = api.PyCFunction_NewEx(methodDef, 0, 0);
        if (callable == 0) {
            throw runtime.takeError();
        }
        KEEP.add(entry);
        KEEP.add(body);
        return callable; // the name and the PyMethodDef are never freed, by design
    }

    /** Argument {@code index} of a METH_FASTCALL call (a borrowed reference). */
    static long argument(long args, int index) {
        return MemoryIO.getInstance().getAddress(args + 8L * index);
    }
}
