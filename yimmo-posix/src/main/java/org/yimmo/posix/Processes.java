package org.yimmo.posix;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Pointer;
import jnr.ffi.Platform;
import jnr.ffi.annotations.SaveError;

/**
 * The process calls of libc that the JDK does not offer: spawning a child that inherits chosen
 * descriptors (ProcessBuilder closes them all), waiting for any child with its raw status,
 * signals, and the parent-death signal. The socket calls are in {@link Posix}, whose errno this
 * binding shares. Any thread; none of it is on a hot path.
 */
public final class Processes {

    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    public static final int SIGTTIN = 21;
    public static final int SIGTTOU = 22;

    private static final long SIG_DFL = 0;
    private static final int ECHILD = 10;
    private static final int ESRCH = 3;
    private static final int PR_SET_PDEATHSIG = 1;
    private static final int F_DUPFD = 0;
    /** A sigset_t is 128 bytes with glibc, 4 on macOS, 16 on FreeBSD; the largest fits all. */
    private static final int SIGSET_BYTES = 128;
    /** posix_spawnattr_t is 336 bytes with glibc and a pointer on macOS; file actions 80 or a pointer. */
    private static final int SPAWN_STRUCT_BYTES = 512;

    private static final boolean LINUX = Platform.getNativePlatform().getOS() == Platform.OS.LINUX;
    private static final boolean FREEBSD = Platform.getNativePlatform().getOS() == Platform.OS.FREEBSD;
    /** spawn.h: POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK; FreeBSD numbers them differently. */
    private static final short SPAWN_RESET_SIGNALS = (short) (FREEBSD ? 0x10 | 0x20 : 0x04 | 0x08);

    /** Primitive signatures; strings and structures are passed as addresses of native memory. */
    public interface LibProcess {
        /**
         * {@code envp} is a {@link Pointer}: jnr-ffi 2.2.17 passes a sixth primitive argument wrongly
         * on x86_64 (the callee finds garbage in r9; a wrapped Pointer arrives intact).
         */
        int posix_spawn(long pidPointer, long path, long fileActions, long attributes, long argv, Pointer envp);

        int posix_spawn_file_actions_init(long fileActions);

        int posix_spawn_file_actions_adddup2(long fileActions, int fd, int newFd);

        /** glibc 2.34+ and FreeBSD 13+; absent elsewhere. */
        int posix_spawn_file_actions_addclosefrom_np(long fileActions, int lowFd);

        int posix_spawn_file_actions_destroy(long fileActions);

        int posix_spawnattr_init(long attributes);

        int posix_spawnattr_setflags(long attributes, short flags);

        int posix_spawnattr_setsigmask(long attributes, long sigset);

        int posix_spawnattr_setsigdefault(long attributes, long sigset);

        int posix_spawnattr_destroy(long attributes);

        int sigemptyset(long sigset);

        int sigfillset(long sigset);

        @SaveError int waitpid(int pid, long statusPointer, int options);

        @SaveError int kill(int pid, int signal);

        /** The previous handler's address; {@link #SIG_DFL} is 0 on every supported system. */
        long signal(int signal, long handler);

        int getpid();

        int getppid();

        @SaveError int prctl(int option, long arg2, long arg3, long arg4, long arg5);

        @SaveError int pipe(long fds);

        @SaveError int dup(int fd);

        @SaveError int execve(long path, long argv, long envp);

        @SaveError int fcntl(int fd, int command, int argument);
    }

    private static final LibProcess LIB;
    private static final jnr.ffi.Runtime RUNTIME;
    private static final Throwable LOAD_FAILURE;

    static {
        LibProcess lib = null;
        jnr.ffi.Runtime runtime = null;
        Throwable failure = Posix.loadFailure();
        if (failure == null) {
            try {
                lib = LibraryLoader.create(LibProcess.class).option(LibraryOption.IgnoreError, true)
                        .load(Platform.getNativePlatform().getStandardCLibraryName());
                runtime = jnr.ffi.Runtime.getRuntime(lib);
            } catch (Throwable t) {
                failure = t;
            }
        }
        LIB = lib;
        RUNTIME = runtime;
        LOAD_FAILURE = failure;
    }

    private Processes() {
    }

    /** Null when the calls are bound; otherwise why they could not be. */
    public static Throwable loadFailure() {
        return LOAD_FAILURE;
    }

    /** How a child ended, decoded from waitpid's status. */
    public record Exit(int pid, int status) {
        public boolean exited() {
            return (status & 0x7f) == 0;
        }

        /** The exit code, when {@link #exited()}. */
        public int code() {
            return (status >> 8) & 0xff;
        }

        /** The signal that killed it, when not {@link #exited()}. */
        public int signal() {
            return status & 0x7f;
        }

        /** "exit code 3" or "killed by signal 9". */
        public String describe() {
            return exited() ? "exit code " + code() : "killed by signal " + signal();
        }
    }

    /**
     * Starts {@code argv} (the program by absolute path) with {@code env}. Descriptor
     * {@code inherited[i]} becomes descriptor {@code 3 + i} in the child; every other descriptor
     * above 2 is closed there where libc can say so (glibc 2.34+, FreeBSD 13+), and is left to
     * close-on-exec elsewhere. The child starts with no blocked signals and every signal at its
     * default action, whatever the JVM's thread had.
     *
     * @return the child's pid
     */
    public static int spawn(List<String> argv, List<String> env, int... inherited) throws IOException {
        ByteBuffer scratch = NativeMemory.allocate(2 * SPAWN_STRUCT_BYTES + 2 * SIGSET_BYTES + 8);
        long actions = NativeMemory.address(scratch);
        long attributes = actions + SPAWN_STRUCT_BYTES;
        long signals = attributes + SPAWN_STRUCT_BYTES;
        long pidPointer = signals + 2 * SIGSET_BYTES;
        ByteBuffer argvBlock = cStrings(argv);
        ByteBuffer envBlock = cStrings(env);
        check("posix_spawn_file_actions_init", LIB.posix_spawn_file_actions_init(actions));
        try {
            check("posix_spawnattr_init", LIB.posix_spawnattr_init(attributes));
            try {
                int[] sources = abovePlaces(inherited);
                for (int i = 0; i < sources.length; i++) {
                    check("posix_spawn_file_actions_adddup2",
                            LIB.posix_spawn_file_actions_adddup2(actions, sources[i], 3 + i));
                }
                closeTheRest(actions, 3 + inherited.length);
                LIB.sigemptyset(signals);
                LIB.sigfillset(signals + SIGSET_BYTES);
                check("posix_spawnattr_setsigmask", LIB.posix_spawnattr_setsigmask(attributes, signals));
                check("posix_spawnattr_setsigdefault",
                        LIB.posix_spawnattr_setsigdefault(attributes, signals + SIGSET_BYTES));
                check("posix_spawnattr_setflags", LIB.posix_spawnattr_setflags(attributes, SPAWN_RESET_SIGNALS));
                long argvArray = NativeMemory.address(argvBlock);
                int error = LIB.posix_spawn(pidPointer, NativeMemory.getLong(argvArray), actions, attributes,
                        argvArray, Pointer.wrap(RUNTIME, NativeMemory.address(envBlock)));
                Reference.reachabilityFence(argvBlock);
                Reference.reachabilityFence(envBlock);
                closeCopies(sources, inherited);
                check("posix_spawn " + argv.get(0), error);
                return NativeMemory.getInt(pidPointer);
            } finally {
                LIB.posix_spawnattr_destroy(attributes);
            }
        } finally {
            LIB.posix_spawn_file_actions_destroy(actions);
            Reference.reachabilityFence(scratch);
        }
    }

    /**
     * The file actions run in order, so a source that is itself one of the places 3, 4, ... would
     * be overwritten before it is moved: such a source is copied above the places first.
     */
    private static int[] abovePlaces(int[] inherited) throws IOException {
        int[] sources = inherited.clone();
        for (int i = 0; i < sources.length; i++) {
            if (sources[i] < 3 + sources.length) {
                int copy = LIB.fcntl(sources[i], F_DUPFD, 3 + sources.length);
                if (copy < 0) {
                    throw Posix.error("fcntl(F_DUPFD)", Posix.errno());
                }
                closeOnExec(copy);
                sources[i] = copy;
            }
        }
        return sources;
    }

    private static void closeCopies(int[] sources, int[] inherited) throws IOException {
        for (int i = 0; i < sources.length; i++) {
            if (sources[i] != inherited[i]) {
                Posix.close(sources[i]);
            }
        }
    }

    private static void closeTheRest(long actions, int lowFd) throws IOException {
        int result;
        try {
            result = LIB.posix_spawn_file_actions_addclosefrom_np(actions, lowFd);
        } catch (UnsatisfiedLinkError e) {
            return; // an older libc: the JVM's own descriptors are close-on-exec, leaks are a few jars at most
        }
        check("posix_spawn_file_actions_addclosefrom_np", result);
    }

    /**
     * Waits for any child to end.
     *
     * @return how it ended, or null when this process has no children
     */
    public static Exit waitAny() throws IOException {
        ByteBuffer status = NativeMemory.allocate(8);
        long address = NativeMemory.address(status);
        for (;;) {
            int pid = LIB.waitpid(-1, address, 0);
            if (pid > 0) {
                return new Exit(pid, NativeMemory.getInt(address));
            }
            int errno = Posix.errno();
            if (errno == ECHILD) {
                return null;
            }
            if (errno != Posix.EINTR) {
                throw Posix.error("waitpid", errno);
            }
        }
    }

    /**
     * Runs {@code action} with the signal's number, on the JVM's signal thread, whenever
     * {@code name} ("INT", "HUP"...) arrives, whatever the process started with. The JVM leaves
     * SIGHUP, SIGINT and SIGTERM alone when they were ignored at its start (a background job of a
     * non-interactive shell ignores SIGINT, nohup SIGHUP), and its handler would then never run;
     * a server must answer them wherever it was started, as gunicorn and nginx do, so the
     * default action is put back first.
     */
    public static void handleSignal(String name, IntConsumer action) {
        sun.misc.Signal signal = new sun.misc.Signal(name);
        if (LIB != null) {
            LIB.signal(signal.getNumber(), SIG_DFL);
        }
        sun.misc.Signal.handle(signal, received -> action.accept(received.getNumber()));
    }

    /** Sends {@code signal}; false when the process is already gone. */
    public static boolean kill(int pid, int signal) throws IOException {
        if (LIB.kill(pid, signal) == 0) {
            return true;
        }
        int errno = Posix.errno();
        if (errno == ESRCH) {
            return false;
        }
        throw Posix.error("kill(" + pid + ", " + signal + ")", errno);
    }

    public static int pid() {
        return LIB.getpid();
    }

    public static int parentPid() {
        return LIB.getppid();
    }

    /**
     * Asks Linux to send {@code signal} to this process when the thread that started it ends;
     * false where there is no such facility (BSD, macOS).
     */
    public static boolean signalOnParentDeath(int signal) throws IOException {
        if (!LINUX) {
            return false;
        }
        if (LIB.prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0) < 0) {
            throw Posix.error("prctl(PR_SET_PDEATHSIG)", Posix.errno());
        }
        return true;
    }

    /**
     * Opens a blocking pipe, both ends close-on-exec (hand an end to a child through
     * {@link #spawn}'s {@code inherited}). Call it on the thread that spawns, so that no child
     * starts between the two calls and inherits the ends.
     *
     * @return the read end, then the write end
     */
    public static int[] pipe() throws IOException {
        ByteBuffer fds = NativeMemory.allocate(8);
        long address = NativeMemory.address(fds);
        if (LIB.pipe(address) < 0) {
            throw Posix.error("pipe", Posix.errno());
        }
        int[] ends = {NativeMemory.getInt(address), NativeMemory.getInt(address + 4)};
        for (int fd : ends) {
            closeOnExec(fd);
        }
        return ends;
    }

    /** Marks {@code fd} close-on-exec, so that children the application starts do not inherit it. */
    public static void closeOnExec(int fd) throws IOException {
        if (LIB.fcntl(fd, Posix.F_SETFD, Posix.FD_CLOEXEC) < 0) {
            throw Posix.error("fcntl(F_SETFD)", Posix.errno());
        }
    }

    /** A copy of {@code fd}, not close-on-exec: for handing a socket to the program {@link #exec} starts. */
    public static int dup(int fd) throws IOException {
        int copy = LIB.dup(fd);
        if (copy < 0) {
            throw Posix.error("dup", Posix.errno());
        }
        return copy;
    }

    /**
     * Replaces this process's program with {@code argv} (absolute path first) and {@code env},
     * keeping the pid; returns only by throwing. Every descriptor above 2 but those in
     * {@code kept} is marked close-on-exec first (the JDK does not mark its own), so repeated
     * re-executions do not pile up descriptors.
     */
    public static void exec(List<String> argv, List<String> env, int... kept) throws IOException {
        markCloseOnExecExcept(kept);
        ByteBuffer argvBlock = cStrings(argv);
        ByteBuffer envBlock = cStrings(env);
        long argvArray = NativeMemory.address(argvBlock);
        LIB.execve(NativeMemory.getLong(argvArray), argvArray, NativeMemory.address(envBlock));
        int errno = Posix.errno();
        Reference.reachabilityFence(argvBlock);
        Reference.reachabilityFence(envBlock);
        throw Posix.error("execve " + argv.get(0), errno);
    }

    private static void markCloseOnExecExcept(int[] kept) throws IOException {
        Path table = Files.isDirectory(Path.of("/proc/self/fd")) ? Path.of("/proc/self/fd") : Path.of("/dev/fd");
        List<Integer> open = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(table)) {
            for (Path entry : entries) {
                open.add(Integer.parseInt(entry.getFileName().toString()));
            }
        }
        for (int fd : open) {
            if (fd > 2 && Arrays.stream(kept).noneMatch(k -> k == fd)) {
                LIB.fcntl(fd, Posix.F_SETFD, Posix.FD_CLOEXEC); // the listing's own descriptor is closed by now: EBADF
            }
        }
    }

    /**
     * Blocking read of at most {@code bytes.length} bytes.
     *
     * @return bytes read, 0 at end of file
     */
    public static int read(int fd, byte[] bytes) throws IOException {
        ByteBuffer buffer = NativeMemory.allocate(bytes.length);
        long n = Posix.read(fd, NativeMemory.address(buffer), bytes.length);
        if (n < 0) {
            throw new IOException("read: descriptor " + fd + " is non-blocking");
        }
        buffer.get(0, bytes, 0, (int) n);
        return (int) n;
    }

    /** Blocking write of all of {@code bytes}; an error (EPIPE: the reader is gone) is thrown. */
    public static void write(int fd, byte[] bytes) throws IOException {
        ByteBuffer buffer = NativeMemory.allocate(bytes.length);
        buffer.put(0, bytes);
        long address = NativeMemory.address(buffer);
        for (int done = 0; done < bytes.length; ) {
            long n = Posix.write(fd, address + done, bytes.length - done);
            if (n <= 0) {
                throw new IOException("write: descriptor " + fd + " is non-blocking");
            }
            done += (int) n;
        }
    }

    /** A NULL-terminated char* array (64-bit pointers) followed by the C strings it points to. */
    private static ByteBuffer cStrings(List<String> strings) {
        byte[][] encoded = new byte[strings.size()][];
        int size = (strings.size() + 1) * 8;
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = strings.get(i).getBytes(StandardCharsets.UTF_8);
            size += encoded[i].length + 1;
        }
        ByteBuffer block = NativeMemory.allocate(size);
        long base = NativeMemory.address(block);
        long text = base + (strings.size() + 1) * 8L;
        for (int i = 0; i < encoded.length; i++) {
            NativeMemory.putLong(base + 8L * i, text);
            block.put((int) (text - base), encoded[i]);
            text += encoded[i].length;
            block.put((int) (text - base), (byte) 0);
            text += 1;
        }
        NativeMemory.putLong(base + 8L * encoded.length, 0);
        return block;
    }

    /** posix_spawn and its helpers return the error number instead of setting errno. */
    private static void check(String call, int error) throws IOException {
        if (error != 0) {
            throw Posix.error(call, error);
        }
    }
}
