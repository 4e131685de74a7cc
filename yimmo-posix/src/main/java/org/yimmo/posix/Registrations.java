package org.yimmo.posix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a native reactor has registered with its kernel, by descriptor. Each registration gets a
 * fresh id, and the kernel carries {@code id << 32 | fd} as the event's user data (epoll's data,
 * kqueue's udata): an event still queued for a descriptor that was closed and reused since
 * names an old id and finds nothing. Id {@link #WAKE_ID} is never given; the reactors' wake-up
 * uses it. Reactor thread only.
 *
 * @param <T> the backend's registration (a listener or a connection)
 */
public final class Registrations<T extends Registrations.Entry> {

    /** The user data id of the reactor's wake-up source. */
    public static final int WAKE_ID = 0;

    /** A registration: its descriptor, and its id once {@link #add added} (0 before). */
    public interface Entry {
        int fd();

        int id();
    }

    private Entry[] entries = new Entry[1024];
    private int nextId = WAKE_ID + 1;

    /** Puts {@code entry} in the table under a fresh id and returns the user data naming it. */
    public long add(T entry) {
        int fd = entry.fd();
        if (fd >= entries.length) {
            entries = Arrays.copyOf(entries, Math.max(fd + 1, entries.length * 2));
        }
        entries[fd] = entry;
        int id = nextId++;
        if (nextId == WAKE_ID) {
            nextId++;
        }
        return (long) id << 32 | (fd & 0xffffffffL);
    }

    /** Removes {@code entry} unless a newer registration took its descriptor. */
    public void remove(T entry) {
        int fd = entry.fd();
        if (fd < entries.length && entries[fd] == entry) {
            entries[fd] = null;
        }
    }

    /** The live registration {@code data} names, or null if it is stale. */
    @SuppressWarnings("unchecked") // only T is ever added
    public T find(long data) {
        int fd = (int) data;
        Entry[] table = entries;
        Entry entry = fd >= 0 && fd < table.length ? table[fd] : null;
        return entry != null && entry.id() == id(data) ? (T) entry : null;
    }

    /** Every live registration (for the shutdown). */
    @SuppressWarnings("unchecked")
    public List<T> all() {
        List<T> live = new ArrayList<>();
        for (Entry entry : entries) {
            if (entry != null) {
                live.add((T) entry);
            }
        }
        return live;
    }

    /** The id half of user data. */
    public static int id(long data) {
        return (int) (data >>> 32);
    }
}
