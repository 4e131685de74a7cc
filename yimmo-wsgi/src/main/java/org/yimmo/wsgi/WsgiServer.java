package org.yimmo.wsgi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.queue.WorkQueue;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorSelection;
import org.yimmo.http.HttpExchange;
import org.yimmo.http.HttpServer;
import org.yimmo.wsgi.bridge.BridgeModule;
import org.yimmo.wsgi.python.PythonInstallation;
import org.yimmo.wsgi.python.PythonRuntime;
import org.yimmo.wsgi.python.PythonThread;

/**
 * One worker process of yimmo-wsgi: the server thread (a reactor running the HTTP server) and
 * {@code threads} worker threads running the application in the embedded CPython. The reactor
 * thread hands each request to the {@link WorkQueue}; an idle worker takes it, takes the GIL,
 * runs the application and streams the response back through the exchange.
 *
 * <p>Fairness: CPython hands the GIL over unfairly (a thread that releases it and asks again at
 * once usually wins, and the others wait for the 5 ms switch interval). Workers therefore queue
 * on a fair lock before taking the GIL at the start of a request, so requests start in the order
 * workers became ready. The lock is held only while waiting for the GIL, never while running
 * Python, so an application that blocks with the GIL released (I/O, sleep) does not hold others.
 */
public final class WsgiServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WsgiServer.class);
    /** Requests a worker serves in a row without giving the GIL back while more are waiting. */
    private static final int BURST = 16;
    private static final int QUEUE_CAPACITY = 1024;
    private static final long WORKER_STACK_BYTES = 8L << 20;

    private final PythonRuntime runtime;
    private final Reactor reactor;
    private final Thread reactorThread;
    private final HttpServer http;
    private final WorkQueue<HttpExchange> queue;
    private final List<Thread> workers;
    private final WorkerActivity activity;
    private final long[] pythonThreadIdents;

    private WsgiServer(PythonRuntime runtime, Reactor reactor, Thread reactorThread, HttpServer http,
            WorkQueue<HttpExchange> queue, List<Thread> workers, WorkerActivity activity, long[] pythonThreadIdents) {
        this.runtime = runtime;
        this.reactor = reactor;
        this.reactorThread = reactorThread;
        this.http = http;
        this.queue = queue;
        this.workers = workers;
        this.activity = activity;
        this.pythonThreadIdents = pythonThreadIdents;
    }

    /**
     * What a worker process needs to know. {@code listen}: the address to listen on, as
     * {@link org.yimmo.core.net.ListenAddress} text ({@code host:port}, or {@code fd://3} for a
     * socket inherited from the process manager); {@code serverName}: the environ's SERVER_NAME.
     * {@code pythonPath}: directories put in front of the working directory on {@code sys.path}
     * before the import (gunicorn's {@code --pythonpath}).
     */
    public record Options(PythonInstallation python, String module, String app, String listen, String serverName,
            String reactor, int threads, int processes, String scriptName, Duration idleTimeout,
            List<Path> pythonPath) {
        public Options {
            pythonPath = List.copyOf(pythonPath);
        }
    }

    /**
     * Starts the embedded Python, binds, loads the application and starts serving.
     *
     * @throws org.yimmo.wsgi.python.PythonException if the application cannot be loaded
     *     (its traceback in the message's detail)
     */
    public static WsgiServer start(Options options) throws IOException {
        return start(options, null);
    }

    /**
     * As {@link #start(Options)}, writing each request to {@code accessLog} (null: off). The
     * caller keeps the log and closes it after {@link #shutdown}.
     */
    public static WsgiServer start(Options options, AccessLog accessLog) throws IOException {
        return start(options, accessLog, null);
    }

    /** As {@link #start(Options, AccessLog)}, serving HTTPS with {@code tls} (null: plain HTTP). */
    public static WsgiServer start(Options options, AccessLog accessLog, WsgiTls tls) throws IOException {
        PythonRuntime runtime = PythonRuntime.start(options.python());
        Reactor reactor = null;
        try {
            reactor = ReactorSelection.open(options.reactor(), reactorOptions(options.processes()));
            Dispatcher dispatcher = new Dispatcher();
            WorkQueue<HttpExchange> queue = new WorkQueue<>(QUEUE_CAPACITY, reactor, dispatcher::spaceAvailable);
            dispatcher.queue = queue;
            HttpServer.Builder builder = HttpServer.builder().reactor(reactor);
            if (tls == null) {
                builder.listen(options.listen());
            } else {
                builder.listenTls(options.listen(), tls.context());
                if (tls.plainListen() != null) {
                    builder.listen(tls.plainListen());
                }
            }
            HttpServer http = builder
                    .idleTimeout(options.idleTimeout())
                    .handler(dispatcher::dispatch)
                    .start();
            List<SocketAddress> bound = http.localAddresses();
            int plainPort = bound.size() > 1 ? ((InetSocketAddress) bound.get(1)).getPort() : -1;
            BridgeModule.Options bridgeOptions = new BridgeModule.Options(options.threads(), options.processes(),
                    options.scriptName(), options.serverName(), ((InetSocketAddress) bound.get(0)).getPort(), plainPort,
                    "yimmo-wsgi/" + Version.VERSION, reactor.backend());
            // Imports run on python-main, the thread Python calls main: an app may install signal handlers.
            BridgeModule bridge = runtime.callOnMainThread(rt -> {
                BridgeModule installed = BridgeModule.install(rt, bridgeOptions, options.pythonPath());
                installed.loadApplication(options.module(), options.app());
                return installed;
            });
            bridge.accessLog(accessLog);
            WorkerActivity activity = new WorkerActivity(options.threads());
            long[] pythonThreadIdents = new long[options.threads()];
            List<Thread> workers = startWorkers(new WorkerContext(runtime, bridge, queue, activity, pythonThreadIdents));
            Thread reactorThread = reactor.start("yimmo-server");
            return new WsgiServer(runtime, reactor, reactorThread, http, queue, workers, activity, pythonThreadIdents);
        } catch (IOException | RuntimeException | Error e) {
            if (reactor != null) {
                reactor.close();
            }
            runtime.close();
            throw e;
        }
    }

    /**
     * With several worker processes on one listening socket, each accepts one connection per
     * turn: a reactor that took every pending connection at once (wrk opens its 64 together)
     * would keep them all, on keep-alive, while the other workers idle. One at a time, the
     * processes woken for the same socket take turns.
     */
    private static ReactorOptions reactorOptions(int processes) {
        ReactorOptions defaults = ReactorOptions.defaults();
        return processes == 1 ? defaults : defaults.withAcceptsPerTurn(1);
    }

    /** The bound address (the TLS one when TLS is on). */
    public InetSocketAddress address() {
        return (InetSocketAddress) http.localAddresses().get(0);
    }

    /** Every bound address: the TLS one first, then the extra plain-HTTP one if any. */
    public List<SocketAddress> addresses() {
        return http.localAddresses();
    }

    public String reactorName() {
        return reactor.backend();
    }

    /**
     * Stops gracefully: no new connections, requests in progress finish (up to {@code grace}),
     * then the workers stop and Python is finalized.
     */
    public void shutdown(Duration grace) {
        http.shutdown(grace);
        reactor.execute(queue::close); // the queue's producer side belongs to the reactor thread
        joinAll(workers, grace);
        reactor.close();
        join(reactorThread, grace);
        runtime.shutdown(grace);
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(5));
    }

    /** Requests finished so far, by every worker thread. */
    public long requestsServed() {
        return activity.served();
    }

    /**
     * The worker thread whose request has been in the application longest, if that is longer
     * than {@code limit}; else -1.
     */
    public int stuckWorker(Duration limit) {
        return activity.stuckSlot(System.nanoTime(), limit.toNanos());
    }

    /** How long worker {@code slot}'s current request has been in the application. */
    public Duration busyTime(int slot) {
        return Duration.ofNanos(activity.busyNanos(slot, System.nanoTime()));
    }

    /**
     * The Python stack of worker {@code slot}, formatted as a traceback, for the log before a
     * stuck worker is replaced. Taken on a thread of its own, which needs the GIL: CPython hands
     * it over from a thread running Python code within its switch interval, but not from one
     * blocked in native code that holds it, so this gives up after {@code wait}.
     *
     * @return the stack; empty if that thread runs no Python now; null if the GIL did not come
     */
    public String pythonStack(int slot, Duration wait) {
        CompletableFuture<String> stack = new CompletableFuture<>();
        Thread dumper = new Thread(() -> {
            try {
                PythonThread python = runtime.attachCurrentThread();
                try {
                    stack.complete(python.withGil(() ->
                            runtime.evalString("yimmo", "_thread_stack(" + pythonThreadIdents[slot] + ")")));
                } finally {
                    python.detach();
                }
            } catch (RuntimeException e) {
                stack.completeExceptionally(e);
            }
        }, "yimmo-stack-dump");
        dumper.setDaemon(true);
        dumper.start();
        try {
            return stack.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            return "(the stack could not be read: " + e.getCause() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** What every worker thread shares. */
    private record WorkerContext(PythonRuntime runtime, BridgeModule bridge, WorkQueue<HttpExchange> queue,
            WorkerActivity activity, long[] pythonThreadIdents, ReentrantLock gilGate) {
        WorkerContext(PythonRuntime runtime, BridgeModule bridge, WorkQueue<HttpExchange> queue,
                WorkerActivity activity, long[] pythonThreadIdents) {
            this(runtime, bridge, queue, activity, pythonThreadIdents, new ReentrantLock(true));
        }
    }

    private static List<Thread> startWorkers(WorkerContext context) {
        int count = context.pythonThreadIdents().length;
        List<Thread> threads = new ArrayList<>(count);
        for (int slot = 0; slot < count; slot++) {
            int workerSlot = slot;
            // A main thread's stack: CPython 3.10 recurses on the C stack for every Python call.
            Thread thread = new Thread(null, () -> work(context, workerSlot), "yimmo-worker-" + slot,
                    WORKER_STACK_BYTES);
            thread.start();
            threads.add(thread);
        }
        return threads;
    }

    private static void work(WorkerContext context, int slot) {
        PythonRuntime runtime = context.runtime();
        WorkQueue<HttpExchange> queue = context.queue();
        WorkerActivity activity = context.activity();
        ReentrantLock gilGate = context.gilGate();
        PythonThread python = runtime.attachCurrentThread();
        try {
            python.acquire();
            BridgeModule.Worker worker;
            try {
                worker = context.bridge().newWorker(python, slot);
                context.pythonThreadIdents()[slot] = runtime.evalLong("yimmo", "threading.get_ident()");
            } finally {
                python.release();
            }
            for (HttpExchange exchange; (exchange = queue.take()) != null; ) {
                gilGate.lock();
                try {
                    python.acquire();
                } finally {
                    gilGate.unlock();
                }
                try {
                    int served = 0;
                    do {
                        activity.begin(slot, System.nanoTime());
                        worker.serve(exchange);
                        activity.end(slot);
                    } while (++served < BURST && (exchange = queue.poll()) != null);
                } finally {
                    python.release();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("worker {} failed", slot, e);
        } finally {
            python.detach();
        }
    }

    private static void joinAll(List<Thread> threads, Duration grace) {
        for (Thread thread : threads) {
            join(thread, grace);
        }
    }

    private static void join(Thread thread, Duration grace) {
        try {
            thread.join(grace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The HTTP handler, on the reactor thread: hands each exchange to the workers. When the queue
     * is full the exchange waits in an overflow list, which cannot grow past the number of open
     * connections (each has at most one request in the handler), and moves on as workers free
     * room.
     */
    private static final class Dispatcher {
        private final ArrayDeque<HttpExchange> overflow = new ArrayDeque<>();
        private WorkQueue<HttpExchange> queue;

        void dispatch(HttpExchange exchange) {
            if (!overflow.isEmpty() || !queue.offer(exchange)) {
                overflow.addLast(exchange);
            }
        }

        void spaceAvailable() {
            while (!overflow.isEmpty() && queue.offer(overflow.peekFirst())) {
                overflow.pollFirst();
            }
        }
    }
}
