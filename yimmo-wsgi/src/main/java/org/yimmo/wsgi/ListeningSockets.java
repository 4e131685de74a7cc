package org.yimmo.wsgi;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yimmo.core.config.Config;
import org.yimmo.core.config.CoreSettings;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.posix.DescriptorListener;
import org.yimmo.posix.ListeningSocket;
import org.yimmo.posix.Posix;
import org.yimmo.wsgi.manager.ManagerLink;

/**
 * The sockets a server listens on: the main one and, with {@code --plain-port} next to TLS, the
 * plain-HTTP one. Each is bound once, by the first process, and inherited from then on (by a
 * manager's workers, by a process that replaced itself), named by an environment variable: a
 * port is never closed while processes come and go, so connections wait in its accept queue
 * instead of being refused. The server adopts them as {@code fd://N}.
 *
 * @param main  the main socket (HTTPS with TLS)
 * @param plain the plain-HTTP socket next to TLS, or null
 */
record ListeningSockets(ListeningSocket main, ListeningSocket plain) {

    /**
     * Each socket inherited (the environment names its descriptor: {@link ManagerLink#LISTEN_FD_ENV},
     * {@link ManagerLink#PLAIN_LISTEN_FD_ENV}) or else bound here.
     */
    static ListeningSockets open(Config config, WsgiTls tls, Map<String, String> env) throws IOException {
        ListeningSocket main = inheritedOrBound(env, ManagerLink.LISTEN_FD_ENV,
                config.get(CoreSettings.BIND) + ":" + config.get(CoreSettings.PORT));
        ListeningSocket plain = tls == null || tls.plainListen() == null ? null
                : inheritedOrBound(env, ManagerLink.PLAIN_LISTEN_FD_ENV, tls.plainListen());
        return new ListeningSockets(main, plain);
    }

    private static ListeningSocket inheritedOrBound(Map<String, String> env, String variable, String address)
            throws IOException {
        String inherited = env.get(variable);
        String listen = inherited != null ? "fd://" + inherited : address;
        return ListeningSocket.open(ListenAddress.parse(listen).get(0), DescriptorListener.BACKLOG);
    }

    /** The descriptors by the environment variable that names each to the program they are handed to. */
    Map<String, Integer> byVariable() {
        Map<String, Integer> fds = new LinkedHashMap<>();
        fds.put(ManagerLink.LISTEN_FD_ENV, main.fd());
        if (plain != null) {
            fds.put(ManagerLink.PLAIN_LISTEN_FD_ENV, plain.fd());
        }
        return fds;
    }

    /** The plain socket's descriptor, or -1. */
    int plainFd() {
        return plain == null ? -1 : plain.fd();
    }

    void close() throws IOException {
        Posix.close(main.fd());
        if (plain != null) {
            Posix.close(plain.fd());
        }
    }
}
