package org.yimmo.posix;

import java.nio.ByteBuffer;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;

/**
 * What a native backend's reactor offers the connections and listeners it shares with the other
 * native backends ({@link DescriptorConnection}, {@link DescriptorListener}). Reactor thread only,
 * but for {@link #hasOwner()} and {@link #isTerminated()}.
 */
public interface DescriptorReactor extends Reactor {

    ReactorOptions options();

    /** Socket I/O with this reactor's native buffers. */
    SocketIo io();

    /** 8 bytes of native scratch memory. */
    long scratchAddress();

    /** Native memory for one socket address ({@link SocketAddresses#SIZE} bytes). */
    ByteBuffer socketAddress();

    long socketAddressAddress();

    /** True once a thread runs the loop. */
    boolean hasOwner();

    /** True once the loop has ended. */
    boolean isTerminated();
}
