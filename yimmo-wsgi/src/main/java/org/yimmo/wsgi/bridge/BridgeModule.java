package org.yimmo.wsgi.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.http.HttpExchange;
import org.yimmo.wsgi.AccessLog;
import org.yimmo.wsgi.python.LibPython;
import org.yimmo.wsgi.python.PythonException;
import org.yimmo.wsgi.python.PythonRuntime;
import org.yimmo.wsgi.python.PythonThread;

/**
 * The Python side of the bridge, set up once per process: the {@code yimmo} module (from
 * {@code yimmo.py}, importable by the application), its native callables into Java, the classes
 * the workers instantiate per request, the constant environ entries, and the application object.
 * The callables find the worker serving the request by its slot number.
 */
public final class BridgeModule {

    private static final Logger ERRORS = LoggerFactory.getLogger("yimmo.wsgi.errors");
    private static final byte[] INTERNAL_ERROR = "Internal Server Error\n".getBytes(StandardCharsets.US_ASCII);

    private final PythonRuntime runtime;
    private final LibPython api;
    private final long module;
    private final long responseClass;
    private final long inputClass;
    private final long fileWrapperClass;
    private final long fileRegion;
    private final long baseEnviron;
    private final long listType;
    private final long tupleType;
    private final byte[] scriptName;
    private final int plainServerPort;
    private final WsgiCall[] calls;
    private final Names names;
    private AccessLog accessLog;
    private long app;

    private BridgeModule(PythonRuntime runtime, long module, Options options) {
        this.runtime = runtime;
        this.api = runtime.api();
        this.module = module;
        this.calls = new WsgiCall[options.workers()];
        this.scriptName = options.scriptName().getBytes(StandardCharsets.ISO_8859_1);
        this.plainServerPort = options.plainServerPort();
        this.listType = runtime.symbol("PyList_Type");
        this.tupleType = runtime.symbol("PyTuple_Type");
        this.names = new Names(runtime);
        setCallable("_recv", (args, nargs) -> call(args).recv(longArgument(args, 1)));
        setCallable("_send", (args, nargs) -> {
            call(args).send(NativeCallables.argument(args, 1));
            api.Py_IncRef(runtime.none());
            return runtime.none();
        });
        setCallable("_log", (args, nargs) -> {
            ERRORS.warn("{}", runtime.toJavaString(NativeCallables.argument(args, 0)));
            api.Py_IncRef(runtime.none());
            return runtime.none();
        });
        runtime.exec("yimmo", "_errors = _Errors(_log)\n"
                + "_SERVER_INFO.update(software=" + pyString(options.software())
                + ", reactor=" + pyString(options.reactor())
                + ", processes=" + options.processes() + ", threads=" + options.workers() + ")\n"
                + "_base = _make_base_environ(_errors, " + pyString(options.scriptName()) + ", "
                + pyString(options.serverName()) + ", " + pyString(Integer.toString(options.serverPort())) + ", "
                + (options.workers() > 1 ? "True" : "False") + ", "
                + (options.processes() > 1 ? "True" : "False") + ")\n");
        this.responseClass = attribute("_Response");
        this.inputClass = attribute("_Input");
        this.fileWrapperClass = attribute("FileWrapper");
        this.fileRegion = attribute("_file_region");
        this.baseEnviron = attribute("_base");
    }

    /**
     * What the bridge needs to know of the server.
     *
     * @param serverPort      SERVER_PORT: the main listener's port (the TLS one with TLS)
     * @param plainServerPort SERVER_PORT of requests on the plain-HTTP listener next to TLS, or -1
     */
    public record Options(int workers, int processes, String scriptName, String serverName, int serverPort,
            int plainServerPort, String software, String reactor) {
    }

    /**
     * Installs the {@code yimmo} module in {@code runtime}; GIL held by the caller. Also puts the
     * working directory first on {@code sys.path}, as gunicorn does, so that {@code yimmo-wsgi
     * hello:app} finds {@code hello.py} where it is run.
     */
    public static BridgeModule install(PythonRuntime runtime, Options options) {
        return install(runtime, options, List.of());
    }

    /**
     * As {@link #install(PythonRuntime, Options)}, with {@code pythonPath} (gunicorn's
     * {@code --pythonpath}) in front of the working directory on {@code sys.path}, in the order
     * given; relative directories are taken from the working directory.
     */
    public static BridgeModule install(PythonRuntime runtime, Options options, List<Path> pythonPath) {
        StringBuilder path = new StringBuilder(
                "import sys, os\nif os.getcwd() not in sys.path: sys.path.insert(0, os.getcwd())\n");
        for (int i = pythonPath.size() - 1; i >= 0; i--) {
            String directory = pyString(pythonPath.get(i).toAbsolutePath().toString());
            path.append("if ").append(directory).append(" not in sys.path: sys.path.insert(0, ")
                    .append(directory).append(")\n");
        }
        runtime.exec("__main__", path.toString());
        long module = runtime.api().PyImport_AddModule("yimmo"); // borrowed, kept alive by sys.modules
        if (module == 0) {
            throw runtime.takeError();
        }
        runtime.exec("yimmo", source());
        return new BridgeModule(runtime, module, options);
    }

    /**
     * Imports {@code moduleName} and evaluates {@code appExpression} in its namespace (a name,
     * or a call such as {@code create_app("prod.cfg")}); GIL held.
     *
     * @throws PythonException with the traceback if the import or the expression fails
     * @throws IllegalArgumentException if the result is not callable
     */
    public void loadApplication(String moduleName, String appExpression) {
        long imported = api.PyImport_ImportModule(moduleName);
        if (imported == 0) {
            throw runtime.takeError();
        }
        try {
            long namespace = api.PyModule_GetDict(imported);
            long result = api.PyRun_String(appExpression, PythonRuntime.EVAL_INPUT, namespace, namespace);
            if (result == 0) {
                throw runtime.takeError();
            }
            if (api.PyCallable_Check(result) == 0) {
                String what = runtime.str(result);
                api.Py_DecRef(result);
                throw new IllegalArgumentException(moduleName + ":" + appExpression + " is not callable: " + what);
            }
            app = result;
        } finally {
            api.Py_DecRef(imported);
        }
    }

    /** Makes the worker for slot {@code slot}; its thread holds the GIL. */
    /**
     * Turns the access log on ({@code null}: off). Call it before {@link #newWorker}: each worker
     * reads it once, when made.
     */
    public void accessLog(AccessLog log) {
        this.accessLog = log;
    }

    /** The access log, or null when it is off. */
    AccessLog accessLog() {
        return accessLog;
    }

    public Worker newWorker(PythonThread thread, int slot) {
        WsgiCall call = new WsgiCall(this, thread, slot);
        calls[slot] = call;
        return call::serve;
    }

    /** One worker thread's entry into the bridge. */
    @FunctionalInterface
    public interface Worker {
        /** Serves one exchange to its end (the response is always ended); GIL held; never throws. */
        void serve(HttpExchange exchange);
    }

    PythonRuntime runtime() {
        return runtime;
    }

    EnvironBuilder newEnvironBuilder() {
        return new EnvironBuilder(runtime, baseEnviron, scriptName, plainServerPort);
    }

    long app() {
        return app;
    }

    long responseClass() {
        return responseClass;
    }

    long inputClass() {
        return inputClass;
    }

    /**
     * Attribute names as interned str objects: {@code PyObject_GetAttrString} would encode its
     * Java String argument into a new array on every call.
     */
    static final class Names {
        final long startResponse;
        final long status;
        final long headers;
        final long headersSent;
        final long close;

        Names(PythonRuntime runtime) {
            LibPython api = runtime.api();
            startResponse = api.PyUnicode_InternFromString("start_response");
            status = api.PyUnicode_InternFromString("status");
            headers = api.PyUnicode_InternFromString("headers");
            headersSent = api.PyUnicode_InternFromString("headers_sent");
            close = api.PyUnicode_InternFromString("close");
        }
    }

    Names names() {
        return names;
    }

    long fileWrapperClass() {
        return fileWrapperClass;
    }

    long fileRegion() {
        return fileRegion;
    }

    long listType() {
        return listType;
    }

    long tupleType() {
        return tupleType;
    }

    ByteBuffer internalErrorBody() {
        return ByteBuffer.wrap(INTERNAL_ERROR);
    }

    private WsgiCall call(long args) throws NativeCallables.PythonRaise {
        long slot = longArgument(args, 0);
        if (slot < 0 || slot >= calls.length || calls[(int) slot] == null) {
            throw new NativeCallables.PythonRaise(runtime.exceptionType("RuntimeError"), "no worker in slot " + slot);
        }
        return calls[(int) slot];
    }

    private long longArgument(long args, int index) {
        return api.PyLong_AsLong(NativeCallables.argument(args, index));
    }

    private void setCallable(String name, NativeCallables.Body body) {
        long callable = NativeCallables.create(runtime, name, wrapIo(body));
        int status = api.PyObject_SetAttrString(module, name, callable);
        api.Py_DecRef(callable);
        if (status != 0) {
            throw runtime.takeError();
        }
    }

    /** The client going away surfaces in Python as an OSError the application may catch. */
    private NativeCallables.Body wrapIo(NativeCallables.Body body) {
        long osError = runtime.exceptionType("OSError");
        long valueError = runtime.exceptionType("ValueError");
        return (args, nargs) -> {
            try {
                return body.call(args, nargs);
            } catch (IOException e) {
                throw new NativeCallables.PythonRaise(osError, "client connection: " + e.getMessage());
            } catch (WsgiCall.BadResponse e) {
                throw new NativeCallables.PythonRaise(valueError, e.getMessage());
            }
        };
    }

    private long attribute(String name) {
        long value = api.PyObject_GetAttrString(module, name);
        if (value == 0) {
            throw runtime.takeError();
        }
        return value; // kept for the process's life
    }

    private static String pyString(String text) {
        StringBuilder quoted = new StringBuilder("'");
        for (char c : text.toCharArray()) {
            if (c == '\\' || c == '\'') {
                quoted.append('\\');
            }
            quoted.append(c < ' ' ? ' ' : c);
        }
        return quoted.append('\'').toString();
    }

    private static String source() {
        try (InputStream in = BridgeModule.class.getResourceAsStream("yimmo.py")) {
            if (in == null) {
                throw new IllegalStateException("yimmo.py is missing from the yimmo-wsgi jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read yimmo.py", e);
        }
    }
}
