package org.yimmo.reactor.select;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * Wraps a listening socket inherited as a file descriptor in a JDK ServerSocketChannel, so the
 * Selector can watch it.
 *
 * <p>The JDK offers this only for descriptor 0 ({@code System.inheritedChannel()}); for any other
 * descriptor we call the JDK's own channel constructor, which needs
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (the launchers and tests pass it). The
 * native backends take descriptors directly and need none of this.
 */
final class InheritedChannels {

    private static final String OPENS_HINT =
            "start the JVM with --add-opens java.base/sun.nio.ch=ALL-UNNAMED, or use a native reactor";

    private InheritedChannels() {
    }

    static ServerSocketChannel adopt(int fd) throws IOException {
        Constructor<?> constructor;
        FileDescriptor descriptor;
        try {
            Class<?> impl = Class.forName("sun.nio.ch.ServerSocketChannelImpl");
            constructor = impl.getDeclaredConstructor(SelectorProvider.class, ProtocolFamily.class,
                    FileDescriptor.class, boolean.class);
            constructor.setAccessible(true);
            Method newFd = Class.forName("sun.nio.ch.IOUtil").getDeclaredMethod("newFD", int.class);
            newFd.setAccessible(true);
            descriptor = (FileDescriptor) newFd.invoke(null, fd);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IOException("cannot adopt inherited socket fd://" + fd + ": " + OPENS_HINT + " (" + e + ")", e);
        }
        // The family is not known from the number alone: the INET constructor reads the bound
        // address and fails on a unix socket, so that failure is what tells the two apart.
        IOException inetFailure;
        try {
            return newChannel(constructor, descriptor, StandardProtocolFamily.INET6);
        } catch (IOException e) {
            inetFailure = e;
        }
        try {
            return newChannel(constructor, descriptor, StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            IOException failure = new IOException("fd://" + fd + " is not a listening socket: " + inetFailure.getMessage());
            failure.addSuppressed(e);
            throw failure;
        }
    }

    private static ServerSocketChannel newChannel(Constructor<?> constructor, FileDescriptor descriptor,
            ProtocolFamily family) throws IOException {
        try {
            ServerSocketChannel channel = (ServerSocketChannel) constructor.newInstance(
                    SelectorProvider.provider(), family, descriptor, true);
            if (channel.getLocalAddress() == null) {
                throw new IOException("not bound");
            }
            return channel;
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(String.valueOf(e.getCause()), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IOException(e.toString(), e);
        }
    }
}
