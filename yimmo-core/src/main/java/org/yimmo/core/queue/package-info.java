/**
 * Lock-free hand-off between the reactor (server) thread and the worker threads.
 *
 * <p>{@link org.yimmo.core.queue.WorkQueue} carries requests from the reactor to the workers
 * (one producer, many consumers; idle workers park and are woken one per offer).
 * {@link org.yimmo.core.queue.ReactorInbox} carries responses back (many producers, one
 * consumer; drained on the reactor through its {@link java.util.concurrent.Executor} in
 * coalesced, bounded batches). Both are bounded, never lock, and allocate nothing per item after
 * each thread's first wait. Back-pressure: {@code WorkQueue.offer} returns {@code false} when
 * full and calls back on the reactor once space frees up; {@code ReactorInbox.put} parks the
 * worker until a drain makes room.
 */
package org.yimmo.core.queue;
