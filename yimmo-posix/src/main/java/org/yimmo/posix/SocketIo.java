package org.yimmo.posix;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import jnr.ffi.Pointer;

/**
 * Socket I/O between raw descriptors and ByteBuffers, shared by the native reactors: direct
 * buffers are read and written in place (address + position), heap buffers go through one native
 * copy buffer, a gathering write builds its iovecs in one preallocated array, and a file goes out
 * by sendfile. One per reactor, used on its thread only; nothing is allocated per call.
 */
public final class SocketIo {

    /** Bytes a heap buffer moves per call through the copy buffer. */
    public static final int COPY_SIZE = 64 * 1024;
    /** The most buffers one gathering write hands to the kernel (IOV_MAX on Linux and the BSDs). */
    public static final int MAX_IOVECS = 1024;
    /** Linux sends at most this much per sendfile call; the BSDs are asked for no more either. */
    private static final long MAX_SENDFILE = 0x7ffff000L;

    private final ByteBuffer copy = NativeMemory.allocate(COPY_SIZE);
    private final long copyAddress = NativeMemory.address(copy);
    private final ByteBuffer iovecs = NativeMemory.allocate(MAX_IOVECS * 16);
    private final long iovecsAddress = NativeMemory.address(iovecs);
    private final ByteBuffer offset = NativeMemory.allocate(8);
    private final long offsetAddress = NativeMemory.address(offset);
    private final Pointer offsetPointer = Posix.pointer(offsetAddress);

    /**
     * Reads into {@code dst} from its position.
     *
     * @return the bytes read, 0 if none are ready, or -1 at end of stream
     */
    public int read(int fd, ByteBuffer dst) throws IOException {
        int position = dst.position();
        int remaining = dst.limit() - position;
        if (remaining == 0) {
            return 0;
        }
        long n;
        if (dst.isDirect()) {
            n = Posix.read(fd, NativeMemory.address(dst) + position, remaining);
            Reference.reachabilityFence(dst);
        } else {
            n = Posix.read(fd, copyAddress, Math.min(remaining, COPY_SIZE));
            if (n > 0) {
                dst.put(position, copy, 0, (int) n);
            }
        }
        if (n > 0) {
            dst.position(position + (int) n);
            return (int) n;
        }
        return n == Posix.WOULD_BLOCK ? 0 : -1;
    }

    /** Writes from {@code src}'s position as much as the socket takes now; returns the count. */
    public int write(int fd, ByteBuffer src) throws IOException {
        int position = src.position();
        int remaining = src.limit() - position;
        if (remaining == 0) {
            return 0;
        }
        long n;
        if (src.isDirect()) {
            n = Posix.write(fd, NativeMemory.address(src) + position, remaining);
            Reference.reachabilityFence(src);
        } else {
            int chunk = Math.min(remaining, COPY_SIZE);
            copy.put(0, src, position, chunk);
            n = Posix.write(fd, copyAddress, chunk);
        }
        src.position(position + (int) n);
        return (int) n;
    }

    /**
     * One gathering write of {@code srcs[offset, offset + length)}, in order; heap buffers share
     * the copy buffer, and a heap buffer that does not fit ends the batch there (what follows it
     * must not go first). Advances the buffers' positions; returns the count.
     */
    public long write(int fd, ByteBuffer[] srcs, int offset, int length) throws IOException {
        int copied = 0;
        int count = 0;
        for (int i = offset; i < offset + length && count < MAX_IOVECS; i++) {
            ByteBuffer src = srcs[i];
            int remaining = src.remaining();
            if (remaining == 0) {
                continue;
            }
            long base;
            boolean truncated = false;
            if (src.isDirect()) {
                base = NativeMemory.address(src) + src.position();
            } else {
                int room = COPY_SIZE - copied;
                if (room == 0) {
                    break;
                }
                truncated = remaining > room;
                remaining = Math.min(remaining, room);
                copy.put(copied, src, src.position(), remaining);
                base = copyAddress + copied;
                copied += remaining;
            }
            NativeMemory.putLong(iovecsAddress + 16L * count, base);
            NativeMemory.putLong(iovecsAddress + 16L * count + 8, remaining);
            count++;
            if (truncated) {
                break; // the rest of this buffer must go before anything after it
            }
        }
        if (count == 0) {
            return 0;
        }
        long written = Posix.writev(fd, iovecsAddress, count);
        Reference.reachabilityFence(srcs);
        long left = written;
        for (int i = offset; i < offset + length && left > 0; i++) {
            ByteBuffer src = srcs[i];
            int step = (int) Math.min(left, src.remaining());
            src.position(src.position() + step);
            left -= step;
        }
        return written;
    }

    /**
     * Sends file bytes with sendfile from the FileChannel's own descriptor; a channel of another
     * kind, or a socket the kernel cannot sendfile to (macOS's unix sockets, say), is copied by
     * the JDK into {@code fallback}.
     */
    public long transferFrom(int fd, FileChannel file, long position, long count, WritableByteChannel fallback)
            throws IOException {
        int fileFd = NativeMemory.fileDescriptor(file);
        if (fileFd < 0) {
            return file.transferTo(position, count, fallback);
        }
        NativeMemory.putLong(offsetAddress, position);
        long sent = Posix.sendfile(fd, fileFd, offsetPointer, Math.min(count, MAX_SENDFILE));
        Reference.reachabilityFence(file);
        return sent != Posix.SENDFILE_UNSUPPORTED ? sent : file.transferTo(position, count, fallback);
    }
}
