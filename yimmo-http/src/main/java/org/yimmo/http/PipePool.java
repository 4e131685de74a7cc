package org.yimmo.http;

import org.jctools.queues.MpmcArrayQueue;

/**
 * Pipes of one size shared by the connections of a server. A response pipe is taken by the
 * handler's thread when it starts a response and given back by the reactor once the response is
 * on the wire, so the pool is lock-free and multi-threaded. Idle connections hold no pipe; at
 * most {@code maxPooled} free pipes are kept.
 */
final class PipePool {

    private final int pipeSize;
    private final MpmcArrayQueue<BytePipe> free;

    PipePool(int pipeSize, int maxPooled) {
        this.pipeSize = pipeSize;
        this.free = new MpmcArrayQueue<>(Math.max(2, maxPooled));
    }

    BytePipe acquire() {
        BytePipe pipe = free.poll();
        return pipe != null ? pipe : new BytePipe(pipeSize);
    }

    void release(BytePipe pipe) {
        pipe.reset();
        free.offer(pipe); // when the pool is full the pipe is left to the collector
    }

    int pipeSize() {
        return pipeSize;
    }
}
