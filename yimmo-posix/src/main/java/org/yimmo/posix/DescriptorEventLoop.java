package org.yimmo.posix;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.net.Listener;
import org.yimmo.core.reactor.EventLoop;
import org.yimmo.core.reactor.ReactorOptions;

/**
 * The {@link EventLoop} of a native backend, with what epoll and kqueue hold alike: the scratch
 * native memory and {@link SocketIo} their connections and listeners use through
 * {@link DescriptorReactor}, the table of registrations (closed at the shutdown), and the
 * wake-up's guard against the close of what it writes. A backend adds its kernel: the wait, the
 * dispatch, how interest reaches the kernel, and {@link #wake()} and {@link #closeKernel()}.
 *
 * <p>Threading: reactor thread only, but for the wake-up ({@link #wakeUpKernel()}, any thread),
 * which runs under a lock that the close of the kernel's descriptors takes too, so a producer
 * racing the shutdown never writes a descriptor being closed or already reused.
 *
 * @param <C> the backend's registration (a listener or a connection)
 */
public abstract class DescriptorEventLoop<C extends DescriptorEventLoop.Channel> extends EventLoop
        implements DescriptorReactor {

    /** The concrete backend's logger, so its messages keep the backend's name. */
    private final Logger log = LoggerFactory.getLogger(getClass());

    /** Guards the wake-up against a producer racing the close of what it writes (rare). */
    private final Object wakeLock = new Object();
    private boolean kernelClosed;

    // Native memory, reactor thread only.
    private final ByteBuffer scratch = NativeMemory.allocate(64);
    /** 64 bytes: the backends' own calls (a kevent, a pipe's pair, a drain) need more than 8. */
    protected final long scratchAddress = NativeMemory.address(scratch);
    private final ByteBuffer socketAddress = NativeMemory.allocate(SocketAddresses.SIZE);
    private final long socketAddressAddress = NativeMemory.address(socketAddress);
    private final SocketIo io = new SocketIo();

    protected final Registrations<C> channels = new Registrations<>();

    protected DescriptorEventLoop(ReactorOptions options) {
        super(options);
    }

    /**
     * Interrupts the kernel's wait; any thread, under the wake-up lock, never after
     * {@link #closeKernel()}.
     */
    protected abstract void wake() throws IOException;

    /**
     * Closes the kernel's descriptors, last in the shutdown; under the wake-up lock, so no
     * {@link #wake()} writes one being closed.
     */
    protected abstract void closeKernel();

    // Scratch native memory for the reactor thread.

    @Override
    public final long scratchAddress() {
        return scratchAddress;
    }

    @Override
    public final ByteBuffer socketAddress() {
        return socketAddress;
    }

    @Override
    public final long socketAddressAddress() {
        return socketAddressAddress;
    }

    /** Socket I/O with this reactor's native buffers; reactor thread only. */
    @Override
    public final SocketIo io() {
        return io;
    }

    // Registrations.

    /** Puts {@code channel} in the table under a fresh id and returns the user data naming it. */
    public final long register(C channel) {
        return channels.add(channel);
    }

    /**
     * Removes {@code channel} from the table unless a newer registration took its descriptor;
     * called just before the descriptor is closed.
     */
    public void unregister(C channel) {
        channels.remove(channel);
    }

    /** A connection closed; its handler hears of it after the current callback. */
    public final void closed(ClosedNotice connection) {
        notifyClosedLater(connection);
    }

    /** A listener closed; the shutdown has nothing left to do for it. */
    public final void forget(Listener listener) {
        listenerClosed(listener);
    }

    @Override
    protected final void closeRegistrations() {
        channels.all().forEach(Channel::close);
    }

    // The wake-up and the close.

    @Override
    protected final void wakeUpKernel() {
        synchronized (wakeLock) {
            if (kernelClosed) {
                return;
            }
            try {
                wake();
            } catch (IOException e) {
                log.warn("waking the reactor failed", e);
            }
        }
    }

    @Override
    protected final void closeKernelResources() {
        synchronized (wakeLock) {
            kernelClosed = true;
            closeKernel();
        }
    }

    /** Closes {@code fd}, logging a failure: at the shutdown there is no one left to tell. */
    protected final void closeQuietly(int fd) {
        try {
            Posix.close(fd);
        } catch (IOException e) {
            log.warn("closing descriptor {} failed", fd, e);
        }
    }

    /** What a registration is: a listener or a connection. */
    public interface Channel extends Registrations.Entry {
        void close();
    }
}
