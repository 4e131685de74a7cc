package org.yimmo.reactor.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yimmo.posix.NativeIoException;
import org.yimmo.posix.NativeMemory;
import org.yimmo.posix.Posix;

/**
 * The kqueue semantics the reactor relies on, through the real binding: on Linux they check that
 * the emulation behaves as BSD does (so the conformance suite over it means something), on BSD
 * and macOS that the kernel does. Pipes stand in for sockets.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KqueueNativeTest {

    private static final int ENOENT = 2;
    private final KeventLayout layout = KqueueNative.LAYOUT;
    private final ByteBuffer changes = NativeMemory.allocate(8 * 64);
    private final long changesAddress = NativeMemory.address(changes);
    private final ByteBuffer events = NativeMemory.allocate(8 * 64);
    private final long eventsAddress = NativeMemory.address(events);
    private final ByteBuffer zero = NativeMemory.allocate(16);
    private final ByteBuffer scratch = NativeMemory.allocate(16);
    private int kq = -1;
    private int readEnd = -1;
    private int writeEnd = -1;

    @BeforeEach
    void open() throws IOException {
        assertTrue(new KqueueReactorProvider().availability().available(), new KqueueReactorProvider().availability().reason());
        kq = KqueueNative.kqueue();
        Posix.pipe(NativeMemory.address(scratch));
        readEnd = scratch.getInt(0);
        writeEnd = scratch.getInt(4);
    }

    @AfterEach
    void close() throws IOException {
        for (int fd : new int[] {readEnd, writeEnd, kq}) {
            if (fd >= 0) {
                Posix.close(fd);
            }
        }
    }

    /** Submits the given changes (ident, filter, flags triples) and polls without waiting. */
    private int poll(long... changeTriples) throws IOException {
        int count = changeTriples.length / 3;
        for (int i = 0; i < count; i++) {
            layout.put(changesAddress, i, changeTriples[3 * i], (short) changeTriples[3 * i + 1],
                    (int) changeTriples[3 * i + 2], 0, 0, 100 + i);
        }
        return KqueueNative.kevent(kq, changesAddress, count, eventsAddress, 8, KqueueNative.pointer(NativeMemory.address(zero)));
    }

    private void write(int fd, int bytes) throws IOException {
        assertEquals(bytes, Posix.write(fd, NativeMemory.address(scratch), bytes));
    }

    @Test
    void shouldUseTheLayoutAskedForOrElseTheKernels() {
        String asked = System.getProperty(KqueueNative.LAYOUT_PROPERTY);
        if (KqueueNative.EMULATION != null || asked != null) {
            assertNotNull(asked, "the build names the layout of each emulated run (" + KqueueNative.LAYOUT_PROPERTY + ")");
            assertEquals(KeventLayout.valueOf(asked.strip().toUpperCase(java.util.Locale.ROOT)), KqueueNative.LAYOUT);
        } else {
            // The native run on macOS or FreeBSD: the layout follows the OS name.
            KeventLayout kernels = KeventLayout.choose(null, System.getProperty("os.name"));
            assertNotNull(kernels, System.getProperty("os.name"));
            assertEquals(kernels, KqueueNative.LAYOUT);
        }
    }

    @Test
    void shouldReportTheBytesBufferedAndThenEndOfFileWithTheBytesStillUnread() throws IOException {
        write(writeEnd, 5);
        assertEquals(1, poll(readEnd, KeventLayout.EVFILT_READ, KeventLayout.EV_ADD));
        assertEquals(KeventLayout.EVFILT_READ, layout.filter(eventsAddress, 0));
        assertEquals(readEnd, layout.ident(eventsAddress, 0));
        assertEquals(5, layout.data(eventsAddress, 0));
        assertEquals(0, layout.flags(eventsAddress, 0) & KeventLayout.EV_EOF);
        assertEquals(100, layout.udata(eventsAddress, 0));

        Posix.close(writeEnd);
        writeEnd = -1;
        assertEquals(1, poll());
        assertEquals(KeventLayout.EV_EOF, layout.flags(eventsAddress, 0) & KeventLayout.EV_EOF, "EV_EOF");
        assertEquals(5, layout.data(eventsAddress, 0), "EV_EOF while bytes are still to be read");
    }

    @Test
    void shouldApplyTheChangelistInOrder() throws IOException {
        write(writeEnd, 1);
        long r = readEnd;
        short read = KeventLayout.EVFILT_READ;
        assertEquals(0, poll(r, read, KeventLayout.EV_ADD, r, read, KeventLayout.EV_DISABLE), "added, then disabled");
        assertEquals(1, poll(r, read, KeventLayout.EV_DISABLE, r, read, KeventLayout.EV_ENABLE), "disabled, then enabled");
        assertEquals(0, poll(r, read, KeventLayout.EV_DELETE, r, read, KeventLayout.EV_ADD, r, read, KeventLayout.EV_DELETE));
        assertEquals(1, poll(r, read, KeventLayout.EV_ADD));
    }

    @Test
    void shouldReturnAOneShotWriteEventOnceAndThenForgetTheFilter() throws IOException {
        assertEquals(1, poll(writeEnd, KeventLayout.EVFILT_WRITE, KeventLayout.EV_ADD | KeventLayout.EV_ONESHOT));
        assertEquals(KeventLayout.EVFILT_WRITE, layout.filter(eventsAddress, 0));
        assertEquals(0, poll(), "one shot");
        assertEquals(1, poll(writeEnd, KeventLayout.EVFILT_WRITE, KeventLayout.EV_ENABLE));
        assertEquals(KeventLayout.EV_ERROR, layout.flags(eventsAddress, 0) & KeventLayout.EV_ERROR);
        assertEquals(ENOENT, layout.data(eventsAddress, 0), "the kernel deleted the one-shot filter");
    }

    @Test
    void shouldReportAFailedChangeAsAnEventOrAsTheCallsErrorWithoutRoom() throws IOException {
        write(writeEnd, 1);
        // The error comes back first in the eventlist; FreeBSD (and the emulation) leave the
        // readiness of the other filter to the next call, macOS may add it to this one.
        int n = poll(readEnd, KeventLayout.EVFILT_READ, KeventLayout.EV_ADD,
                writeEnd, KeventLayout.EVFILT_WRITE, KeventLayout.EV_DELETE);
        assertEquals(KeventLayout.EV_ERROR, layout.flags(eventsAddress, 0));
        assertEquals(ENOENT, layout.data(eventsAddress, 0));
        assertEquals(writeEnd, layout.ident(eventsAddress, 0));
        assertEquals(101, layout.udata(eventsAddress, 0));
        if (n == 1) {
            assertEquals(1, poll());
            assertEquals(KeventLayout.EVFILT_READ, layout.filter(eventsAddress, 0));
        } else {
            assertEquals(2, n);
            assertEquals(KeventLayout.EVFILT_READ, layout.filter(eventsAddress, 1));
        }

        layout.put(changesAddress, 0, writeEnd, KeventLayout.EVFILT_WRITE, KeventLayout.EV_DELETE, 0, 0, 0);
        NativeIoException e = assertThrows(NativeIoException.class,
                () -> KqueueNative.kevent(kq, changesAddress, 1, eventsAddress, 0, KqueueNative.pointer(NativeMemory.address(zero))));
        assertEquals(ENOENT, e.errno());
        assertTrue(e.getMessage().startsWith("kevent: "), e.getMessage());
    }

    @Test
    void shouldForgetTheFiltersOfAClosedDescriptorWhoseNumberIsReused() throws IOException {
        assertEquals(0, poll(readEnd, KeventLayout.EVFILT_READ, KeventLayout.EV_ADD));
        int old = readEnd;
        Posix.close(readEnd);
        Posix.close(writeEnd);
        Posix.pipe(NativeMemory.address(scratch));
        readEnd = scratch.getInt(0);
        writeEnd = scratch.getInt(4);
        assertEquals(old, readEnd, "the lowest free number is reused");
        write(writeEnd, 1);
        assertEquals(1, poll(readEnd, KeventLayout.EVFILT_READ, KeventLayout.EV_ENABLE));
        assertEquals(ENOENT, layout.data(eventsAddress, 0), "no filter survives the close");
    }

    @Test
    void shouldWakeAWaitWithoutLimitFromAnotherThreadWithTheUserEvent() throws Exception {
        short user = layout.userFilter();
        layout.put(changesAddress, 0, 0, user, KeventLayout.EV_ADD | KeventLayout.EV_CLEAR, 0, 0, 7);
        assertEquals(0, KqueueNative.kevent(kq, changesAddress, 1, 0, 0, null));
        CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return KqueueNative.kevent(kq, 0, 0, eventsAddress, 8, null);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(100);
        assertTrue(!waiter.isDone(), "waits until triggered");
        ByteBuffer trigger = NativeMemory.allocate(64);
        layout.put(NativeMemory.address(trigger), 0, 0, user, 0, KeventLayout.NOTE_TRIGGER, 0, 0);
        assertEquals(0, KqueueNative.kevent(kq, NativeMemory.address(trigger), 1, 0, 0, null));
        assertEquals(1, waiter.get(10, TimeUnit.SECONDS));
        assertEquals(user, layout.filter(eventsAddress, 0));
        assertEquals(7, layout.udata(eventsAddress, 0));
        assertEquals(0, poll(), "EV_CLEAR: returned once per trigger");
    }

    @Test
    void shouldWaitNoLongerThanTheTimeout() throws IOException {
        ByteBuffer timeout = NativeMemory.allocate(16).putLong(0, 0).putLong(8, 50_000_000L);
        long start = System.nanoTime();
        assertEquals(0, KqueueNative.kevent(kq, 0, 0, eventsAddress, 8, KqueueNative.pointer(NativeMemory.address(timeout))));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(took >= 45 && took < 2000, took + " ms");
    }
}
