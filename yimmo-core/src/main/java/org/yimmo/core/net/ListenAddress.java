package org.yimmo.core.net;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a listener listens: a TCP address, a unix domain socket path, or a listening socket
 * inherited from the parent process as a file descriptor.
 *
 * <p>Text forms: {@code host:port}, {@code [v6]:port}, {@code unix:/path}, {@code fd://N}, and
 * {@code systemd} for the sockets systemd passes with {@code LISTEN_FDS}.
 */
public sealed interface ListenAddress permits ListenAddress.Tcp, ListenAddress.Unix, ListenAddress.Inherited {

    /** systemd passes its sockets from this descriptor on (sd_listen_fds(3)). */
    int SYSTEMD_FIRST_FD = 3;

    /** A TCP address; the host is resolved when the listener binds. */
    record Tcp(String host, int port) implements ListenAddress {
        public Tcp {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is not in 0..65535");
            }
        }

        public InetSocketAddress toSocketAddress() {
            return new InetSocketAddress(host, port);
        }

        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** A unix domain stream socket at {@code path}; a stale socket file there is replaced. */
    record Unix(Path path) implements ListenAddress {
        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /** An already bound and listening socket at descriptor {@code fd} of this process. */
    record Inherited(int fd) implements ListenAddress {
        public Inherited {
            if (fd < 0) {
                throw new IllegalArgumentException("file descriptor " + fd + " is negative");
            }
        }

        @Override
        public String toString() {
            return "fd://" + fd;
        }
    }

    static ListenAddress tcp(String host, int port) {
        return new Tcp(host, port);
    }

    /** Parses one of the text forms, reading systemd's variables from this process. */
    static List<ListenAddress> parse(String text) {
        return parse(text, System.getenv(), ProcessHandle.current().pid());
    }

    /**
     * Parses one of the text forms. Only {@code systemd} can stand for more than one address.
     *
     * @throws IllegalArgumentException naming the text and the forms expected
     */
    static List<ListenAddress> parse(String text, Map<String, String> env, long pid) {
        String s = text.trim();
        if (s.equals("systemd")) {
            return List.copyOf(systemdSockets(env, pid));
        }
        if (s.startsWith("unix:")) {
            String path = s.substring("unix:".length());
            if (path.isEmpty()) {
                throw invalid(text, "a path after unix:");
            }
            return List.of(new Unix(Path.of(path)));
        }
        if (s.startsWith("fd://")) {
            return List.of(new Inherited(parseNumber(text, s.substring("fd://".length()), "a descriptor number")));
        }
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw invalid(text, "host:port, [v6]:port, unix:/path, fd://N or systemd");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw invalid(text, "an IPv6 host in brackets, as [::1]:8081");
        }
        if (host.isEmpty()) {
            throw invalid(text, "a host before the port");
        }
        int port = parseNumber(text, s.substring(colon + 1), "a port number");
        if (port > 65535) {
            throw invalid(text, "a port in 0..65535");
        }
        return List.of(new Tcp(host, port));
    }

    /**
     * The sockets systemd handed to this process: {@code LISTEN_FDS} descriptors from 3 on, when
     * {@code LISTEN_PID} names this process.
     *
     * @throws IllegalArgumentException when the variables are missing, malformed or meant for
     *                                  another process
     */
    static List<Inherited> systemdSockets(Map<String, String> env, long pid) {
        String listenPid = env.get("LISTEN_PID");
        String listenFds = env.get("LISTEN_FDS");
        if (listenPid == null || listenFds == null) {
            throw new IllegalArgumentException(
                    "systemd: LISTEN_PID and LISTEN_FDS are not set; this process was not socket-activated");
        }
        if (!listenPid.trim().equals(Long.toString(pid))) {
            throw new IllegalArgumentException(
                    "systemd: LISTEN_PID=" + listenPid + " names another process (this one is " + pid + ")");
        }
        int count = parseNumber("LISTEN_FDS=" + listenFds, listenFds.trim(), "a count of descriptors");
        if (count == 0) {
            throw new IllegalArgumentException("systemd: LISTEN_FDS=0 passes no socket");
        }
        List<Inherited> sockets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            sockets.add(new Inherited(SYSTEMD_FIRST_FD + i));
        }
        return sockets;
    }

    private static int parseNumber(String text, String digits, String what) {
        if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw invalid(text, what);
        }
        return Integer.parseInt(digits);
    }

    private static IllegalArgumentException invalid(String text, String expected) {
        return new IllegalArgumentException("listen address '" + text + "' is not valid: expected " + expected);
    }
}
