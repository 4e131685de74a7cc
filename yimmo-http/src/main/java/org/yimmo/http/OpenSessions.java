package org.yimmo.http;

import java.util.concurrent.CompletableFuture;

/**
 * The open connections of a server on one reactor, as an intrusive list (O(1) add and remove, no
 * node objects), so that a graceful stop can reach the idle ones and learn when the last closes.
 * Reactor thread only.
 */
final class OpenSessions {

    private HttpSession first;
    private int count;
    private CompletableFuture<Void> allClosed;

    void add(HttpSession session) {
        session.nextOpen = first;
        if (first != null) {
            first.prevOpen = session;
        }
        first = session;
        count++;
    }

    void remove(HttpSession session) {
        if (session.prevOpen != null) {
            session.prevOpen.nextOpen = session.nextOpen;
        } else if (first == session) {
            first = session.nextOpen;
        } else {
            return; // not in the list (removed already)
        }
        if (session.nextOpen != null) {
            session.nextOpen.prevOpen = session.prevOpen;
        }
        session.prevOpen = null;
        session.nextOpen = null;
        count--;
        if (count == 0 && allClosed != null) {
            allClosed.complete(null);
        }
    }

    int count() {
        return count;
    }

    /** Closes every connection now; they unlink themselves when the close is reported. */
    void closeAll() {
        for (HttpSession s = first, next; s != null; s = next) {
            next = s.nextOpen; // a close reported at once unlinks s
            s.connection().close();
        }
    }

    /**
     * Tells every session the server is stopping (idle ones close now, busy ones after their
     * response) and completes {@code done} when none is left.
     */
    void drain(CompletableFuture<Void> done) {
        allClosed = done;
        for (HttpSession s = first, next; s != null; s = next) {
            next = s.nextOpen; // serverDraining() may close s, which unlinks it
            s.serverDraining();
        }
        if (count == 0) {
            done.complete(null);
        }
    }
}
