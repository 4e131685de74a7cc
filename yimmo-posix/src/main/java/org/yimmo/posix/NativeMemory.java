package org.yimmo.posix;

import java.io.FileDescriptor;
import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import sun.misc.Unsafe;

/**
 * Addresses of direct buffers, and raw access to native memory, without allocating: the hot
 * path hands {@code address + position} straight to read(2) and write(2).
 *
 * <p>Uses {@code sun.misc.Unsafe} (module jdk.unsupported, no flag needed) to read the address
 * field of {@link Buffer}, as Netty does. The caller keeps the buffer reachable across the native
 * call ({@link java.lang.ref.Reference#reachabilityFence}). Any thread.
 */
public final class NativeMemory {

    private static final Unsafe UNSAFE;
    private static final long BUFFER_ADDRESS;
    private static final long FILE_CHANNEL_FD;
    private static final long FILE_DESCRIPTOR_FD;
    private static final Class<?> FILE_CHANNEL_IMPL;

    static {
        try {
            Field theUnsafe = Unsafe.class.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            UNSAFE = (Unsafe) theUnsafe.get(null);
            BUFFER_ADDRESS = UNSAFE.objectFieldOffset(Buffer.class.getDeclaredField("address"));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        // Descriptors of FileChannels, for sendfile; without them transferFrom copies instead.
        Class<?> impl = null;
        long channelFd = -1;
        long descriptorFd = -1;
        try {
            impl = Class.forName("sun.nio.ch.FileChannelImpl");
            channelFd = UNSAFE.objectFieldOffset(impl.getDeclaredField("fd"));
            descriptorFd = UNSAFE.objectFieldOffset(FileDescriptor.class.getDeclaredField("fd"));
        } catch (ReflectiveOperationException | RuntimeException e) {
            impl = null;
        }
        FILE_CHANNEL_IMPL = impl;
        FILE_CHANNEL_FD = channelFd;
        FILE_DESCRIPTOR_FD = descriptorFd;
    }

    private NativeMemory() {
    }

    /** The address of a direct buffer's first byte (not of its position). */
    public static long address(ByteBuffer direct) {
        return UNSAFE.getLong(direct, BUFFER_ADDRESS);
    }

    /** A direct buffer of {@code size} zeroed bytes in native byte order. */
    public static ByteBuffer allocate(int size) {
        return ByteBuffer.allocateDirect(size).order(java.nio.ByteOrder.nativeOrder());
    }

    /** The descriptor behind a JDK FileChannel, or -1 if it cannot be had (then copy instead). */
    public static int fileDescriptor(FileChannel file) {
        if (FILE_CHANNEL_IMPL == null || !FILE_CHANNEL_IMPL.isInstance(file)) {
            return -1;
        }
        Object descriptor = UNSAFE.getObject(file, FILE_CHANNEL_FD);
        return descriptor instanceof FileDescriptor ? UNSAFE.getInt(descriptor, FILE_DESCRIPTOR_FD) : -1;
    }

    public static short getShort(long address) {
        return UNSAFE.getShort(address);
    }

    public static void putShort(long address, short value) {
        UNSAFE.putShort(address, value);
    }

    public static int getInt(long address) {
        return UNSAFE.getInt(address);
    }

    public static void putInt(long address, int value) {
        UNSAFE.putInt(address, value);
    }

    public static long getLong(long address) {
        return UNSAFE.getLong(address);
    }

    public static void putLong(long address, long value) {
        UNSAFE.putLong(address, value);
    }
}
