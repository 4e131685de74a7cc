package org.yimmo.wsgi.python;

import com.kenai.jffi.Library;
import com.kenai.jffi.MemoryIO;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded CPython: loads libpython, initialises it on a dedicated thread, and finalises it
 * there. A JVM hosts at most one; {@link #start} succeeds once per process.
 *
 * <p><b>Threads.</b> {@code python-main} (a non-daemon thread) runs
 * {@code Py_SetProgramName(executable)} and {@code Py_InitializeEx(0)} (so the JVM keeps its
 * signal handlers and nothing is written into the environment), disables {@code faulthandler},
 * releases the GIL and waits: for {@link #callOnMainThread} tasks (the only thread where
 * {@code signal.signal} works) and for {@link #close}. A Java thread that runs Python first
 * {@link #attachCurrentThread() attaches}: it gets a {@link PythonThread} with a thread state kept
 * for its whole life, and takes and releases the GIL with it. {@link #close} finalises only after
 * every attached thread detached (finalising under a live thread state hangs or kills that
 * thread); after a bounded wait it skips finalisation, logs why, and ends {@code python-main}.
 *
 * <p><b>Helpers</b> ({@link #exec}, {@link #eval}, {@link #takeError}, {@link #toJavaString}) need
 * the GIL held by the caller, which they check (cheaply, {@code PyGILState_Check}) because a
 * C-API call without it kills the process.
 *
 * <p><b>faulthandler.</b> If {@code PYTHONFAULTHANDLER} is set, CPython enables faulthandler
 * during initialisation. Its SIGSEGV handler takes the JVM's own, harmless SIGSEGVs (implicit
 * null checks) and aborts the process, so it is disabled right after initialisation, and a
 * warning says so. During that short window a JVM SIGSEGV would still be fatal; start the JVM
 * with {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so} (signal chaining) to make an application's
 * own {@code faulthandler.enable()} safe.
 */
public final class PythonRuntime implements AutoCloseable {

    /** {@code Py_file_input}: a module's statements. */
    public static final int FILE_INPUT = 257;
    /** {@code Py_eval_input}: one expression. */
    public static final int EVAL_INPUT = 258;
    /** {@code PY_VECTORCALL_ARGUMENTS_OFFSET}, or-ed into {@code nargsf}. */
    public static final long VECTORCALL_ARGUMENTS_OFFSET = 1L << 63;
    /** How long {@link #close()} waits for attached threads to detach. */
    public static final Duration DEFAULT_CLOSE_GRACE = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(PythonRuntime.class);
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final String HELPERS = String.join("\n",
            "import faulthandler as _faulthandler",
            "faulthandler_was_enabled = _faulthandler.is_enabled()",
            "_faulthandler.disable()",
            "def describe(t, v, tb):",
            "    try:",
            "        m = getattr(t, '__module__', 'builtins')",
            "        n = getattr(t, '__qualname__', None) or getattr(t, '__name__', repr(t))",
            "        name = n if m in ('builtins', '__main__') else m + '.' + n",
            "    except BaseException:",
            "        name = '<unknown>'",
            "    try:",
            "        text = str(v)",
            "    except BaseException:",
            "        text = '<unprintable>'",
            "    try:",
            "        import traceback",
            "        formatted = ''.join(traceback.format_exception(t, v, tb))",
            "    except BaseException:",
            "        formatted = ''",
            "    return (name, text, formatted)",
            "");

    private enum State { RUNNING, CLOSING, CLOSED }

    private final PythonInstallation installation;
    private final LibPython api;
    private final Library library;
    private final boolean vectorcall;
    private final long none;
    private final long trueObject;
    private final long falseObject;
    private final LinkedBlockingQueue<Runnable> mainTasks = new LinkedBlockingQueue<>();
    private final ThreadLocal<PythonThread> attached = new ThreadLocal<>();
    private final Object lock = new Object();
    private Thread mainThread;
    private long mainThreadState;
    private long describe;
    private State state = State.RUNNING; // guarded by lock
    private int attachedCount; // guarded by lock
    private OptionalInt finalizeResult; // guarded by lock, set when CLOSED

    private PythonRuntime(PythonInstallation installation, Library library, LibPython api) {
        this.installation = installation;
        this.library = library;
        this.api = api;
        this.vectorcall = installation.minor() >= 11;
        this.none = symbol("_Py_NoneStruct");
        this.trueObject = symbol("_Py_TrueStruct");
        this.falseObject = symbol("_Py_FalseStruct");
    }

    /**
     * Loads the installation's libpython (RTLD_GLOBAL, so extension modules resolve its symbols)
     * and initialises it on the {@code python-main} thread. Takes about 0.3 s.
     *
     * @throws PythonSetupException if the library cannot be loaded, lacks a function, or
     *                              initialisation fails with a Python exception
     * @throws IllegalStateException if this JVM already started a Python
     */
    public static PythonRuntime start(PythonInstallation installation) {
        if (!STARTED.compareAndSet(false, true)) {
            throw new IllegalStateException("this JVM already started a Python; a process can host only one libpython");
        }
        String path = installation.library().toString();
        Library library = Library.getCachedInstance(path, Library.LAZY | Library.GLOBAL);
        if (library == null) {
            STARTED.set(false);
            throw new PythonSetupException("could not load " + path + " for " + installation + ": " + Library.getLastError());
        }
        List<String> missing = new ArrayList<>();
        for (Method method : LibPython.class.getMethods()) {
            LibPython.Since since = method.getAnnotation(LibPython.Since.class);
            if ((since == null || since.value() <= installation.minor()) && library.getSymbolAddress(method.getName()) == 0) {
                missing.add(method.getName());
            }
        }
        if (!missing.isEmpty()) {
            STARTED.set(false);
            throw new PythonSetupException(path + " (" + installation + ") lacks C-API functions yimmo needs: " + missing);
        }
        LibPython api = LibraryLoader.create(LibPython.class).option(LibraryOption.IgnoreError, true).load(path);
        PythonRuntime runtime = new PythonRuntime(installation, library, api);
        runtime.startMain();
        return runtime;
    }

    private void startMain() {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        mainThread = new Thread(() -> runMain(ready), "python-main");
        mainThread.setDaemon(false);
        mainThread.start();
        try {
            ready.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PythonSetupException("interrupted while starting " + installation, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof PythonSetupException setup) {
                throw setup;
            }
            throw new PythonSetupException("could not initialise " + installation + ": " + cause, cause);
        }
    }

    private void runMain(CompletableFuture<Void> ready) {
        try {
            long start = System.nanoTime();
            // CPython keeps this pointer (it is never freed): Py_SetProgramName's contract.
            long programName = api.Py_DecodeLocale(installation.executable().toString(), 0);
            if (programName == 0) {
                throw new PythonSetupException("Py_DecodeLocale could not decode " + installation.executable());
            }
            api.Py_SetProgramName(programName);
            api.Py_InitializeEx(0);
            if (api.Py_IsInitialized() == 0) {
                throw new PythonSetupException("Py_InitializeEx did not initialise " + installation);
            }
            long helpers = api.PyDict_New();
            long result = api.PyRun_String(HELPERS, FILE_INPUT, helpers, helpers);
            if (result == 0) {
                throw new PythonSetupException("could not set up " + installation + ": " + takeError().getMessage());
            }
            api.Py_DecRef(result);
            describe = api.PyDict_GetItemString(helpers, "describe");
            api.Py_IncRef(describe);
            if (api.PyObject_IsTrue(api.PyDict_GetItemString(helpers, "faulthandler_was_enabled")) == 1) {
                LOG.warn("faulthandler was enabled (PYTHONFAULTHANDLER or -X faulthandler); yimmo disabled it because"
                        + " its signal handler aborts the JVM on the JVM's own SIGSEGVs");
            }
            api.Py_DecRef(helpers);
            mainThreadState = api.PyEval_SaveThread();
            LOG.debug("started {} in {} ms", installation, (System.nanoTime() - start) / 1_000_000);
            ready.complete(null);
        } catch (Throwable t) {
            ready.completeExceptionally(t);
            return;
        }
        while (true) {
            Runnable task;
            try {
                task = mainTasks.take();
            } catch (InterruptedException e) {
                continue; // only close() ends this thread
            }
            task.run();
            if (task instanceof Stop) {
                return;
            }
        }
    }

    /** A task that ends python-main after running. */
    private static final class Stop implements Runnable {
        private final Runnable body;

        Stop(Runnable body) {
            this.body = body;
        }

        @Override
        public void run() {
            body.run();
        }
    }

    /** The bound C API. */
    public LibPython api() {
        return api;
    }

    /** The interpreter this runtime embeds. */
    public PythonInstallation installation() {
        return installation;
    }

    /** {@code Py_None} (immortal in 3.12+; otherwise increment before returning it as a new reference). */
    public long none() {
        return none;
    }

    /** {@code Py_True}. */
    public long trueObject() {
        return trueObject;
    }

    /** {@code Py_False}. */
    public long falseObject() {
        return falseObject;
    }

    /** Whether {@code PyObject_Vectorcall} and {@code PyObject_CallOneArg} are exported (3.11+). */
    public boolean hasVectorcall() {
        return vectorcall;
    }

    /** The address of a libpython data symbol, such as {@code PyList_Type}. */
    public long symbol(String name) {
        long address = library.getSymbolAddress(name);
        if (address == 0) {
            throw new IllegalArgumentException(installation.library() + " has no symbol " + name);
        }
        return address;
    }

    /** A builtin exception class, such as {@code exceptionType("ValueError")} for {@code PyExc_ValueError}. */
    public long exceptionType(String name) {
        return MemoryIO.getInstance().getAddress(symbol("PyExc_" + name));
    }

    /**
     * Attaches the calling thread: creates its Python thread state, which lives until
     * {@link PythonThread#detach()}. The GIL is not held on return.
     *
     * @throws IllegalStateException if the thread is already attached, is python-main, or the
     *                               runtime is closing
     */
    public PythonThread attachCurrentThread() {
        Thread thread = Thread.currentThread();
        if (thread == mainThread) {
            throw new IllegalStateException("python-main cannot attach; use callOnMainThread");
        }
        if (attached.get() != null) {
            throw new IllegalStateException(thread.getName() + " is already attached to Python");
        }
        synchronized (lock) {
            if (state != State.RUNNING) {
                throw new IllegalStateException("the Python runtime is " + state.name().toLowerCase());
            }
            attachedCount++;
        }
        int gilState = api.PyGILState_Ensure(); // a new thread state, counter 1: released only by detach
        long threadState = api.PyThreadState_Get();
        api.PyEval_SaveThread();
        PythonThread handle = new PythonThread(this, thread, threadState, gilState);
        attached.set(handle);
        return handle;
    }

    void detached(PythonThread thread) {
        attached.remove();
        synchronized (lock) {
            attachedCount--;
            lock.notifyAll();
        }
    }

    /** How many threads are attached now. */
    public int attachedThreads() {
        synchronized (lock) {
            return attachedCount;
        }
    }

    /**
     * Runs {@code task} on python-main with the GIL held and returns its result, for what only
     * the initialising thread may do (installing signal handlers). Blocks the caller, which must
     * not hold the GIL.
     */
    public <T> T callOnMainThread(Function<PythonRuntime, T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        synchronized (lock) {
            if (state != State.RUNNING) {
                throw new IllegalStateException("the Python runtime is " + state.name().toLowerCase());
            }
            mainTasks.add(() -> {
                api.PyEval_RestoreThread(mainThreadState);
                try {
                    result.complete(task.apply(this));
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                } finally {
                    mainThreadState = api.PyEval_SaveThread();
                }
            });
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for python-main", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    // ---- helpers, GIL held ----

    /** Runs statements in the namespace of module {@code module} (created empty if new, like {@code __main__}). */
    public void exec(String module, String source) {
        api.Py_DecRef(run(module, source, FILE_INPUT));
    }

    /** Evaluates an expression in the namespace of {@code module}; returns a new reference. */
    public long eval(String module, String expression) {
        return run(module, expression, EVAL_INPUT);
    }

    /** Evaluates an expression and returns its {@code str()}. */
    public String evalString(String module, String expression) {
        long value = eval(module, expression);
        try {
            return str(value);
        } finally {
            api.Py_DecRef(value);
        }
    }

    /** Evaluates an expression that gives an int. */
    public long evalLong(String module, String expression) {
        long value = eval(module, expression);
        try {
            long result = api.PyLong_AsLong(value);
            if (result == -1 && api.PyErr_Occurred() != 0) {
                throw takeError();
            }
            return result;
        } finally {
            api.Py_DecRef(value);
        }
    }

    private long run(String module, String source, int start) {
        checkGil();
        long moduleObject = api.PyImport_AddModule(module); // borrowed
        if (moduleObject == 0) {
            throw takeError();
        }
        long globals = api.PyModule_GetDict(moduleObject); // borrowed
        long result = api.PyRun_String(source, start, globals, globals);
        if (result == 0) {
            throw takeError();
        }
        return result;
    }

    /** {@code str(object)} as a Java string. */
    public String str(long object) {
        checkGil();
        long text = api.PyObject_Str(object);
        if (text == 0) {
            throw takeError();
        }
        try {
            return toJavaString(text);
        } finally {
            api.Py_DecRef(text);
        }
    }

    /** A Python {@code str} object's text. */
    public String toJavaString(long unicode) {
        checkGil();
        MemoryIO memory = MemoryIO.getInstance();
        long size = memory.allocateMemory(8, true);
        try {
            long utf8 = api.PyUnicode_AsUTF8AndSize(unicode, size);
            if (utf8 == 0) {
                throw takeError();
            }
            byte[] bytes = new byte[Math.toIntExact(memory.getLong(size))];
            memory.getByteArray(utf8, bytes, 0, bytes.length);
            return new String(bytes, StandardCharsets.UTF_8);
        } finally {
            memory.freeMemory(size);
        }
    }

    /**
     * Turns the current Python exception into a {@link PythonException} with its formatted
     * traceback, and clears it. If none is set (a C-API call failed without one), the result says
     * so. Never throws.
     */
    public PythonException takeError() {
        checkGil();
        MemoryIO memory = MemoryIO.getInstance();
        long slots = memory.allocateMemory(24, true);
        try {
            api.PyErr_Fetch(slots, slots + 8, slots + 16);
            long type = memory.getAddress(slots);
            if (type == 0) {
                return new PythonException("SystemError", "a Python C-API call failed without setting an exception", "");
            }
            api.PyErr_NormalizeException(slots, slots + 8, slots + 16);
            long args = api.PyTuple_New(3);
            for (int i = 0; i < 3; i++) {
                long item = memory.getAddress(slots + 8L * i);
                if (item == 0) {
                    item = none;
                    api.Py_IncRef(item);
                }
                api.PyTuple_SetItem(args, i, item); // steals the fetched reference
            }
            long described = describe == 0 ? 0 : api.PyObject_Call(describe, args, 0);
            api.Py_DecRef(args);
            if (described == 0) {
                api.PyErr_Clear();
                return new PythonException("<unknown>", "the Python exception could not be described", "");
            }
            try {
                return new PythonException(item(described, 0), item(described, 1), item(described, 2));
            } finally {
                api.Py_DecRef(described);
            }
        } finally {
            memory.freeMemory(slots);
        }
    }

    private String item(long tuple, int index) {
        try {
            return toJavaString(api.PyTuple_GetItem(tuple, index));
        } catch (PythonException e) {
            return "<unprintable>";
        }
    }

    /** Throws unless the calling thread holds the GIL. */
    public void checkGil() {
        if (api.PyGILState_Check() == 0) {
            throw new IllegalStateException(Thread.currentThread().getName() + " does not hold the GIL");
        }
    }

    // ---- shutdown ----

    /** {@link #shutdown(Duration)} with {@link #DEFAULT_CLOSE_GRACE}. */
    @Override
    public void close() {
        shutdown(DEFAULT_CLOSE_GRACE);
    }

    /**
     * Stops accepting new threads, waits up to {@code grace} for attached threads to detach, then
     * runs {@code Py_FinalizeEx} on python-main and ends that thread. If threads are still
     * attached after the wait, finalisation is skipped (it would hang them) and logged. Idempotent;
     * must not be called by an attached thread holding the GIL.
     *
     * @return {@code Py_FinalizeEx}'s result (0, or -1 if flushing buffered data failed), or
     *         empty if finalisation was skipped
     */
    public OptionalInt shutdown(Duration grace) {
        synchronized (lock) {
            while (state == State.CLOSING) { // another thread is closing: wait for its result
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while another thread closes Python", e);
                }
            }
            if (state == State.CLOSED) {
                return finalizeResult;
            }
            state = State.CLOSING;
            long deadline = System.nanoTime() + grace.toNanos();
            long left;
            while (attachedCount > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            CompletableFuture<Integer> rc = new CompletableFuture<>();
            if (attachedCount > 0) {
                LOG.warn("{} Python thread(s) still attached after {} ms; not finalising Python", attachedCount,
                        grace.toMillis());
                mainTasks.add(new Stop(() -> rc.complete(null)));
            } else {
                mainTasks.add(new Stop(() -> {
                    api.PyEval_RestoreThread(mainThreadState);
                    rc.complete(api.Py_FinalizeEx());
                }));
            }
            Integer result = rc.join();
            try {
                mainThread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finalizeResult = result == null ? OptionalInt.empty() : OptionalInt.of(result);
            state = State.CLOSED;
            lock.notifyAll();
            if (result != null && result != 0) {
                LOG.warn("Py_FinalizeEx returned {}", result);
            }
            return finalizeResult;
        }
    }
}
