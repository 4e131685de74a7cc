/*
 * kqemu: kqueue(2) and kevent(2) for Linux, over epoll(7). Test-only.
 *
 * Linux has no kqueue, yet the kqueue reactor's conformance suite must run in CI (on Linux). This
 * library exports kqueue() and kevent() with the BSD ABI, so the reactor's real jnr-ffi binding
 * and its struct kevent marshalling are exercised; built with -DKQEMU_FREEBSD it takes FreeBSD
 * 12's 64-byte struct (with ext[4]), otherwise macOS's 32-byte one.
 *
 * What it implements, as the reactor uses it:
 *  - EVFILT_READ and EVFILT_WRITE on descriptors, with EV_ADD, EV_DELETE, EV_ENABLE, EV_DISABLE,
 *    EV_ONESHOT (the filter is deleted when its event is returned) and EV_RECEIPT; changes are
 *    applied in changelist order.
 *  - EV_EOF: on a read event when the peer shut down its side (EPOLLRDHUP) or the socket hung
 *    up; on a write event on hang-up or error. A read event's data is the number of bytes that
 *    can be read (FIONREAD). fflags is always 0 (reading SO_ERROR here would clear it under the
 *    reactor's feet; BSD only copies it).
 *  - EV_ERROR with BSD's rules: a failing change (or any change with EV_RECEIPT) is returned as
 *    an event with EV_ERROR in flags and errno in data when the eventlist has room, and then
 *    kevent returns those without waiting; without room kevent fails with that errno and the
 *    rest of the changelist is not applied.
 *  - EVFILT_USER (one identifier per kqueue) with EV_ADD, EV_DELETE, EV_CLEAR and NOTE_TRIGGER,
 *    over an eventfd.
 *  - A descriptor closed and its number reused: as on BSD, the old filters are gone (the file's
 *    inode is remembered and compared).
 *  - Timeouts (NULL waits forever, rounded up to whole milliseconds) and EINTR.
 *
 * Not implemented: other filters, EV_DISPATCH, NOTE_* other than NOTE_TRIGGER, the data of a
 * write event (always 0), several EVFILT_USER identifiers. The eventfd of a kqueue is closed only
 * when its number is reused by another kqueue (one descriptor leaks per closed kqueue).
 *
 * Threading: any thread; the state of a kqueue is guarded by its mutex, which epoll_wait does
 * not hold, so another thread may trigger the EVFILT_USER event while the owner waits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct kevent {
    uintptr_t ident;
    int16_t filter;
    uint16_t flags;
    uint32_t fflags;
    intptr_t data;
    void *udata;
#ifdef KQEMU_FREEBSD
    uint64_t ext[4];
#endif
};

#define EVFILT_READ (-1)
#define EVFILT_WRITE (-2)
#ifdef KQEMU_FREEBSD
#define EVFILT_USER (-11)
#else
#define EVFILT_USER (-10)
#endif

#define EV_ADD 0x0001
#define EV_DELETE 0x0002
#define EV_ENABLE 0x0004
#define EV_DISABLE 0x0008
#define EV_ONESHOT 0x0010
#define EV_CLEAR 0x0020
#define EV_RECEIPT 0x0040
#define EV_ERROR 0x4000
#define EV_EOF 0x8000
#define NOTE_TRIGGER 0x01000000u
#define NOTE_FFLAGSMASK 0x00ffffffu

#define MAX_KQUEUES 65536
#define USER_DATA UINT64_MAX
#define MAX_WAIT 1024

struct filter {
    uint8_t added;
    uint8_t enabled;
    uint8_t oneshot;
    void *udata;
};

struct descriptor {
    struct filter filters[2]; /* [0] read, [1] write */
    uint32_t mask;            /* what epoll has; 0 when not in the set */
    dev_t dev;
    ino_t ino;
};

struct kq {
    int epfd;
    int eventfd;
    pthread_mutex_t lock;
    struct descriptor *fds;
    int capacity;
    struct {
        uint8_t added;
        uint8_t enabled;
        uint8_t clear;
        uintptr_t ident;
        uint32_t fflags;
        void *udata;
    } user;
};

static struct kq *kqueues[MAX_KQUEUES];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static struct kq *lookup(int fd) {
    if (fd < 0 || fd >= MAX_KQUEUES) {
        return NULL;
    }
    pthread_mutex_lock(&table_lock);
    struct kq *kq = kqueues[fd];
    pthread_mutex_unlock(&table_lock);
    return kq;
}

int kqueue(void) {
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        return -1;
    }
    if (epfd >= MAX_KQUEUES) {
        close(epfd);
        errno = EMFILE;
        return -1;
    }
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd < 0) {
        int saved = errno;
        close(epfd);
        errno = saved;
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = USER_DATA};
    struct kq *kq = calloc(1, sizeof *kq);
    if (kq == NULL || epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev) < 0) {
        int saved = kq == NULL ? ENOMEM : errno;
        free(kq);
        close(efd);
        close(epfd);
        errno = saved;
        return -1;
    }
    kq->epfd = epfd;
    kq->eventfd = efd;
    pthread_mutex_init(&kq->lock, NULL);
    pthread_mutex_lock(&table_lock);
    struct kq *old = kqueues[epfd];
    kqueues[epfd] = kq;
    pthread_mutex_unlock(&table_lock);
    if (old != NULL) {
        /* The old kqueue's descriptor was closed (its number is ours now); its eventfd is still
         * open, since nobody but us knows it, so closing it cannot hit someone else's file. */
        close(old->eventfd);
        free(old->fds);
        /* Its mutex and struct are leaked on purpose: a thread of the old owner might still be
         * inside kevent with it (a use after close, but not a crash). */
    }
    return epfd;
}

static int ensure_capacity(struct kq *kq, int fd) {
    if (fd < kq->capacity) {
        return 0;
    }
    int capacity = kq->capacity == 0 ? 1024 : kq->capacity;
    while (capacity <= fd) {
        capacity *= 2;
    }
    struct descriptor *grown = realloc(kq->fds, (size_t) capacity * sizeof *grown);
    if (grown == NULL) {
        return ENOMEM;
    }
    memset(grown + kq->capacity, 0, (size_t) (capacity - kq->capacity) * sizeof *grown);
    kq->fds = grown;
    kq->capacity = capacity;
    return 0;
}

static uint32_t wanted_mask(const struct descriptor *d) {
    uint32_t mask = 0;
    if (d->filters[0].added && d->filters[0].enabled) {
        mask |= EPOLLIN | EPOLLRDHUP;
    }
    if (d->filters[1].added && d->filters[1].enabled) {
        mask |= EPOLLOUT;
    }
    return mask;
}

/* Brings epoll in line with the filters; 0 or an errno. */
static int sync_epoll(struct kq *kq, int fd) {
    struct descriptor *d = &kq->fds[fd];
    uint32_t mask = wanted_mask(d);
    if (mask == d->mask) {
        return 0;
    }
    struct epoll_event ev = {.events = mask, .data.u64 = (uint64_t) fd};
    int rc;
    if (mask == 0) {
        rc = epoll_ctl(kq->epfd, EPOLL_CTL_DEL, fd, &ev);
        if (rc < 0 && (errno == ENOENT || errno == EBADF)) {
            rc = 0;
        }
    } else if (d->mask == 0) {
        rc = epoll_ctl(kq->epfd, EPOLL_CTL_ADD, fd, &ev);
        if (rc < 0 && errno == EEXIST) {
            rc = epoll_ctl(kq->epfd, EPOLL_CTL_MOD, fd, &ev);
        }
    } else {
        rc = epoll_ctl(kq->epfd, EPOLL_CTL_MOD, fd, &ev);
        if (rc < 0 && errno == ENOENT) {
            rc = epoll_ctl(kq->epfd, EPOLL_CTL_ADD, fd, &ev);
        }
    }
    if (rc < 0) {
        return errno;
    }
    d->mask = mask;
    return 0;
}

static int apply_fd(struct kq *kq, const struct kevent *change) {
    int fd = (int) change->ident;
    struct stat st;
    if ((intptr_t) change->ident < 0 || change->ident > INT32_MAX || fstat(fd, &st) < 0) {
        return EBADF;
    }
    int err = ensure_capacity(kq, fd);
    if (err != 0) {
        return err;
    }
    struct descriptor *d = &kq->fds[fd];
    if ((d->filters[0].added || d->filters[1].added || d->mask != 0)
            && (d->dev != st.st_dev || d->ino != st.st_ino)) {
        /* The number was closed and reused: on BSD the close dropped the old filters. */
        if (d->mask != 0) {
            struct epoll_event ev = {0};
            epoll_ctl(kq->epfd, EPOLL_CTL_DEL, fd, &ev);
        }
        memset(d, 0, sizeof *d);
    }
    d->dev = st.st_dev;
    d->ino = st.st_ino;
    struct filter *f = &d->filters[change->filter == EVFILT_READ ? 0 : 1];
    uint16_t flags = change->flags;
    if (flags & EV_ADD) {
        /* A new filter starts enabled; re-adding one changes its parameters but, as on FreeBSD,
         * not whether it is disabled (only EV_ENABLE and EV_DISABLE do). */
        if (!f->added) {
            f->enabled = 1;
        }
        f->added = 1;
        f->oneshot = (flags & EV_ONESHOT) != 0;
        f->udata = change->udata;
    } else if (!f->added) {
        return ENOENT;
    }
    if (flags & EV_DELETE) {
        f->added = 0;
        f->enabled = 0;
    }
    if (flags & EV_ENABLE) {
        f->enabled = 1;
    }
    if (flags & EV_DISABLE) {
        f->enabled = 0;
    }
    return sync_epoll(kq, fd);
}

static int apply_user(struct kq *kq, const struct kevent *change) {
    uint16_t flags = change->flags;
    if (flags & EV_ADD) {
        if (kq->user.added && kq->user.ident != change->ident) {
            return ENOSPC; /* one identifier per kqueue, see the top of the file */
        }
        kq->user.added = 1;
        kq->user.enabled = 1;
        kq->user.ident = change->ident;
        kq->user.clear = (flags & EV_CLEAR) != 0;
        kq->user.udata = change->udata;
    } else if (!kq->user.added || kq->user.ident != change->ident) {
        return ENOENT;
    }
    if (flags & EV_DELETE) {
        uint64_t value;
        kq->user.added = 0;
        while (read(kq->eventfd, &value, sizeof value) > 0) {
        }
        return 0;
    }
    if (flags & EV_ENABLE) {
        kq->user.enabled = 1;
    }
    if (flags & EV_DISABLE) {
        kq->user.enabled = 0;
    }
    kq->user.fflags = change->fflags & NOTE_FFLAGSMASK;
    if (change->fflags & NOTE_TRIGGER) {
        uint64_t one = 1;
        if (write(kq->eventfd, &one, sizeof one) < 0 && errno != EAGAIN) {
            return errno;
        }
    }
    return 0;
}

static int apply(struct kq *kq, const struct kevent *change) {
    switch (change->filter) {
    case EVFILT_READ:
    case EVFILT_WRITE:
        return apply_fd(kq, change);
    case EVFILT_USER:
        return apply_user(kq, change);
    default:
        return EINVAL;
    }
}

static void put(struct kevent *out, uintptr_t ident, int16_t filter, uint16_t flags, uint32_t fflags,
        intptr_t data, void *udata) {
    memset(out, 0, sizeof *out);
    out->ident = ident;
    out->filter = filter;
    out->flags = flags;
    out->fflags = fflags;
    out->data = data;
    out->udata = udata;
}

static int timeout_millis(const struct timespec *timeout) {
    if (timeout == NULL) {
        return -1;
    }
    if (timeout->tv_sec < 0 || timeout->tv_nsec < 0) {
        return 0;
    }
    long long millis = (long long) timeout->tv_sec * 1000 + (timeout->tv_nsec + 999999) / 1000000;
    return millis > INT32_MAX ? INT32_MAX : (int) millis;
}

int kevent(int kqfd, const struct kevent *changelist, int nchanges, struct kevent *eventlist, int nevents,
        const struct timespec *timeout) {
    struct kq *kq = lookup(kqfd);
    if (kq == NULL || nchanges < 0 || nevents < 0) {
        errno = kq == NULL ? EBADF : EINVAL;
        return -1;
    }
    int out = 0;
    pthread_mutex_lock(&kq->lock);
    for (int i = 0; i < nchanges; i++) {
        struct kevent change = changelist[i];
        int err = apply(kq, &change);
        if (err != 0 || (change.flags & EV_RECEIPT)) {
            if (out == nevents) {
                if (err == 0) {
                    continue; /* a receipt with no room for it */
                }
                pthread_mutex_unlock(&kq->lock);
                errno = err;
                return -1;
            }
            put(&eventlist[out++], change.ident, change.filter, EV_ERROR, change.fflags, err, change.udata);
        }
    }
    pthread_mutex_unlock(&kq->lock);
    if (out > 0 || nevents == 0) {
        return out;
    }

    struct epoll_event ready[MAX_WAIT];
    int n = epoll_wait(kq->epfd, ready, nevents < MAX_WAIT ? nevents : MAX_WAIT, timeout_millis(timeout));
    if (n < 0) {
        return -1;
    }
    pthread_mutex_lock(&kq->lock);
    /* An event that does not fit is not consumed: level-triggered ones come back, and one-shot
     * and EV_CLEAR state only changes when an event is returned. */
    for (int i = 0; i < n && out < nevents; i++) {
        uint32_t events = ready[i].events;
        if (ready[i].data.u64 == USER_DATA) {
            if (kq->user.added && kq->user.enabled) {
                put(&eventlist[out++], kq->user.ident, EVFILT_USER, kq->user.clear ? EV_CLEAR : 0,
                        kq->user.fflags, 0, kq->user.udata);
                if (kq->user.clear) {
                    uint64_t value;
                    while (read(kq->eventfd, &value, sizeof value) > 0) {
                    }
                }
            }
            continue;
        }
        int fd = (int) ready[i].data.u64;
        if (fd >= kq->capacity || kq->fds[fd].mask == 0) {
            continue; /* deleted by a change made while we waited */
        }
        struct descriptor *d = &kq->fds[fd];
        struct filter *rf = &d->filters[0];
        if (rf->added && rf->enabled && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
            int available = 0;
            if (ioctl(fd, FIONREAD, &available) < 0) {
                available = 1; /* a listening socket: at least one connection is pending */
            }
            uint16_t flags = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ? EV_EOF : 0;
            put(&eventlist[out++], (uintptr_t) fd, EVFILT_READ, flags, 0, available, rf->udata);
            if (rf->oneshot) {
                rf->added = 0;
                rf->enabled = 0;
            }
        }
        struct filter *wf = &d->filters[1];
        if (out < nevents && wf->added && wf->enabled && (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))) {
            uint16_t flags = (events & (EPOLLHUP | EPOLLERR)) ? EV_EOF : 0;
            put(&eventlist[out++], (uintptr_t) fd, EVFILT_WRITE, flags, 0, 0, wf->udata);
            if (wf->oneshot) {
                wf->added = 0;
                wf->enabled = 0;
            }
        }
        sync_epoll(kq, fd);
    }
    pthread_mutex_unlock(&kq->lock);
    return out;
}
