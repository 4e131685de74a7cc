package org.yimmo.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.posix.PosixConstants.Os;
import org.yimmo.posix.PosixConstants.Sendfile;

/**
 * sendfile: which of the three signatures each kernel gets, what a failed call comes to (the
 * BSDs report bytes sent with EAGAIN and EINTR), and a real send through the running kernel's.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SendfileTest {

    @Test
    void shouldCallEachKernelsOwnSendfile() {
        assertEquals(Sendfile.LINUX, PosixConstants.of(Os.LINUX).sendfile());
        assertEquals(Sendfile.FREEBSD, PosixConstants.of(Os.FREEBSD).sendfile());
        assertEquals(Sendfile.MACOS, PosixConstants.of(Os.MACOS).sendfile());
        assertEquals(PosixConstants.of(Os.current()).sendfile(), Posix.PLATFORM.sendfile());
    }

    @Test
    void shouldCountTheBytesABsdSendfileReportsWithEagainOrEintr() throws IOException {
        assertEquals(4096, Posix.sendfileFailure(Posix.EAGAIN, 4096), "EAGAIN after a partial send");
        assertEquals(0, Posix.sendfileFailure(Posix.EAGAIN, 0), "EAGAIN, nothing sent: would block");
        assertEquals(512, Posix.sendfileFailure(Posix.EINTR, 512), "EINTR after a partial send: keep the count");
        assertEquals(Posix.RETRY, Posix.sendfileFailure(Posix.EINTR, 0), "EINTR before anything: call again");
    }

    @Test
    void shouldSayWhenTheKernelCannotSendfileToTheSocketAndThrowOtherwise() {
        assertEquals(Posix.SENDFILE_UNSUPPORTED, assertDoesNotThrow(Posix.EOPNOTSUPP));
        assertEquals(Posix.SENDFILE_UNSUPPORTED, assertDoesNotThrow(Posix.ENOTSUP));
        NativeIoException e = assertThrows(NativeIoException.class, () -> Posix.sendfileFailure(Posix.EPIPE, 100));
        assertEquals(Posix.EPIPE, e.errno());
        assertTrue(e.getMessage().startsWith("sendfile: "), e.getMessage());
    }

    private static long assertDoesNotThrow(int errno) {
        try {
            return Posix.sendfileFailure(errno, 0);
        } catch (IOException e) {
            throw new AssertionError("errno " + errno, e);
        }
    }

    @Test
    void shouldSendAFileRangeThroughTheRunningKernelsSendfile() throws IOException {
        Path file = Files.createTempFile("yimmo-sendfile", ".bin");
        byte[] content = new byte[200_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31);
        }
        Files.write(file, content);
        ListeningSocket listener = ListeningSocket.open(new ListenAddress.Tcp("127.0.0.1", 0), 8);
        ByteBuffer peer = NativeMemory.allocate(SocketAddresses.SIZE + 8);
        long peerAddress = NativeMemory.address(peer);
        int accepted = -1;
        try (SocketChannel client = SocketChannel.open(listener.localAddress());
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            NativeMemory.putInt(peerAddress + SocketAddresses.SIZE, SocketAddresses.SIZE);
            accepted = Posix.accept(listener.fd(), peerAddress, peerAddress + SocketAddresses.SIZE);
            assertTrue(accepted >= 0, "a connection is pending");
            SocketIo io = new SocketIo();
            ByteBuffer received = ByteBuffer.allocate(150_000);
            long position = 1000;
            long end = 151_000;
            while (position < end) {
                long sent = io.transferFrom(accepted, channel, position, end - position, null);
                assertTrue(sent >= 0, "sent " + sent);
                position += sent;
                if (sent == 0 || received.position() < position - 1000) {
                    client.read(received); // make room when the socket is full
                }
            }
            while (received.hasRemaining()) {
                assertTrue(client.read(received) > 0);
            }
            assertEquals(0, channel.position(), "the file's own position is untouched");
            for (int i = 0; i < received.capacity(); i++) {
                assertEquals(content[1000 + i], received.get(i), "byte " + i);
            }
        } finally {
            if (accepted >= 0) {
                Posix.close(accepted);
            }
            Posix.close(listener.fd());
            Files.delete(file);
        }
    }
}
