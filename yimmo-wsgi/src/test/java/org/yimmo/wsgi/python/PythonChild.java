package org.yimmo.wsgi.python;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A child JVM for {@link PythonRuntimeTest}: a JVM can host one libpython, so each interpreter
 * is tried in its own process. Prints {@code key=value} lines; the parent checks them and the
 * exit status.
 *
 * <p>Usage: {@code PythonChild MODE PYTHON [ARG]} with MODE one of {@code basic} (start, version,
 * imports, {@code sys.executable}, subprocess, finalise), {@code full} (basic plus 4 threads and a
 * traceback), {@code venv} (basic plus a marker module ARG from the virtualenv's site-packages),
 * {@code sigterm} (a worker loops in Python until the parent sends SIGTERM).
 */
public final class PythonChild {

    private static final String CHECKS = String.join("\n",
            "import sys, json, ssl, _ctypes, zlib, sqlite3, hashlib, threading, subprocess",
            "box = []",
            "t = threading.Thread(target=lambda: box.append(hashlib.sha256(zlib.compress(b'x')).hexdigest()[:8]))",
            "t.start(); t.join()",
            "imports = 'ok %s %s %s' % (box[0], ssl.OPENSSL_VERSION.split()[1], sqlite3.sqlite_version)",
            "child = subprocess.run([sys.executable, '-c', 'import sys; print(\"%d.%d\" % sys.version_info[:2], sys.prefix)'],",
            "    capture_output=True, text=True, check=True).stdout.strip()",
            "");

    private PythonChild() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            // python-main is not a daemon: a failed check must end the JVM itself
            t.printStackTrace();
            System.exit(3);
        }
    }

    private static void run(String[] args) throws Exception {
        String mode = args[0];
        long t0 = System.nanoTime();
        PythonInstallation installation = new PythonLocator().locate(args[1]);
        print("located_ms", ms(t0));
        long t1 = System.nanoTime();
        PythonRuntime runtime = PythonRuntime.start(installation);
        print("start_ms", ms(t1));
        print("library", installation.library());
        if (mode.equals("sigterm")) {
            sigterm(runtime);
            return;
        }
        PythonThread thread = runtime.attachCurrentThread();
        thread.acquire();
        runtime.exec("__main__", CHECKS);
        print("version", runtime.evalString("__main__", "'%d.%d.%d' % sys.version_info[:3]"));
        print("executable", runtime.evalString("__main__", "sys.executable"));
        print("prefix", runtime.evalString("__main__", "sys.prefix"));
        print("base_prefix", runtime.evalString("__main__", "sys.base_prefix"));
        print("imports", runtime.evalString("__main__", "imports"));
        print("subprocess", runtime.evalString("__main__", "child"));
        if (mode.equals("venv")) {
            runtime.exec("__main__", "import " + args[2] + " as marker");
            print("marker", runtime.evalString("__main__", "marker.VALUE"));
            print("marker_file", runtime.evalString("__main__", "marker.__file__"));
        }
        if (mode.equals("full")) {
            traceback(runtime);
        }
        thread.release();
        if (mode.equals("full")) {
            threads(runtime, thread, 4, 100_000);
        }
        thread.detach();
        long t2 = System.nanoTime();
        OptionalInt rc = runtime.shutdown(Duration.ofSeconds(5));
        print("finalize", rc.isPresent() ? String.valueOf(rc.getAsInt()) : "skipped");
        print("finalize_ms", ms(t2));
        try {
            runtime.attachCurrentThread();
            print("attach_after_close", "allowed");
        } catch (IllegalStateException e) {
            print("attach_after_close", "refused");
        }
    }

    private static void traceback(PythonRuntime runtime) {
        runtime.exec("tb_test", String.join("\n",
                "def inner():",
                "    raise ValueError('boom from python')",
                "def outer():",
                "    inner()",
                ""));
        try {
            runtime.exec("tb_test", "outer()");
            print("traceback_type", "none");
        } catch (PythonException e) {
            print("traceback_type", e.pythonType());
            print("traceback_message", e.pythonMessage());
            print("traceback_has_frames", e.traceback().contains("in outer") && e.traceback().contains("in inner"));
            print("traceback_last_line", e.traceback().strip().lines().reduce((a, b) -> b).orElse(""));
            print("error_cleared", runtime.api().PyErr_Occurred() == 0);
        }
    }

    private static void threads(PythonRuntime runtime, PythonThread main, int count, int calls)
            throws InterruptedException {
        long inc = main.withGil(() -> {
            runtime.exec("counter", "hits = []\ndef inc():\n    hits.append(None)\n    return 1\n");
            return runtime.eval("counter", "inc");
        });
        AtomicLong returned = new AtomicLong();
        List<Throwable> failures = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            Thread worker = new Thread(() -> {
                try {
                    PythonThread python = runtime.attachCurrentThread();
                    LibPython api = runtime.api();
                    long sum = 0;
                    for (int n = 0; n < calls; n++) {
                        python.acquire();
                        long result = api.PyObject_CallNoArgs(inc);
                        sum += api.PyLong_AsLong(result);
                        api.Py_DecRef(result);
                        python.release();
                    }
                    python.detach();
                    returned.addAndGet(sum);
                } catch (Throwable t) {
                    synchronized (failures) {
                        failures.add(t);
                    }
                }
            }, "py-worker-" + i);
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        long elapsed = System.nanoTime() - start;
        print("threads_failures", failures);
        print("threads_returned", returned.get());
        print("threads_hits", main.withGil(() -> runtime.evalLong("counter", "len(hits)")));
        main.withGil(() -> {
            runtime.api().Py_DecRef(inc);
            return null;
        });
        print("threads_ns_per_call", elapsed / ((long) count * calls));
        print("attached_after_threads", runtime.attachedThreads());
    }

    private static void sigterm(PythonRuntime runtime) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            print("hook", "ran");
            OptionalInt rc = runtime.shutdown(Duration.ofMillis(200));
            print("hook_finalize", rc.isPresent() ? String.valueOf(rc.getAsInt()) : "skipped");
        }, "test-hook"));
        Thread worker = new Thread(() -> {
            PythonThread python = runtime.attachCurrentThread();
            python.acquire();
            runtime.exec("__main__", "def spin():\n    n = 0\n    while True:\n        n += 1\n");
            print("looping", true);
            runtime.exec("__main__", "spin()");
        }, "py-spinner");
        worker.start();
        worker.join();
    }

    private static long ms(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static synchronized void print(String key, Object value) {
        System.out.println(key + "=" + value);
        System.out.flush();
    }
}
