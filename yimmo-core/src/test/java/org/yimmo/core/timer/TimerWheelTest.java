package org.yimmo.core.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yimmo.core.testing.Allocation;

// A broken cascade loops forever inside poll: fail the test rather than hang the build.
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimerWheelTest {

    private static final long TICK = 1_000_000; // 1 ms
    private static final int WHEEL = 64;
    private static final long ROTATION = TICK * WHEEL;
    private static final long START = 5_000_000_000L;

    /** Records what fired and when. */
    private static final class Log implements TimerTask {
        final List<Long> ids = new ArrayList<>();
        final List<Long> times = new ArrayList<>();

        @Override
        public void onTimeout(long timerId, long nowNanos) {
            ids.add(timerId);
            times.add(nowNanos);
        }
    }

    private final TimerWheel wheel = new TimerWheel(TICK, WHEEL, START);

    @Test
    void shouldRejectBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new TimerWheel(0, 64, 0));
        assertThrows(IllegalArgumentException.class, () -> new TimerWheel(1, 63, 0));
        assertThrows(IllegalArgumentException.class, () -> new TimerWheel(1, Integer.MIN_VALUE, 0));
        assertThrows(NullPointerException.class, () -> wheel.schedule(START, null));
        assertEquals(TICK, wheel.tickNanos());
    }

    @Test
    void shouldReportNoDeadlineWhenEmpty() {
        assertEquals(TimerWheel.NO_DEADLINE, wheel.nextDeadline());
        long id = wheel.schedule(START + 10 * TICK, new Log());
        assertEquals(1, wheel.size());
        assertTrue(wheel.cancel(id));
        assertEquals(0, wheel.size());
        assertEquals(TimerWheel.NO_DEADLINE, wheel.nextDeadline());
        assertEquals(0, wheel.poll(START + ROTATION * 3, Integer.MAX_VALUE));
    }

    @Test
    void shouldFireInDeadlineOrder() {
        Log log = new Log();
        Map<Long, Long> deadlineById = new HashMap<>();
        Random random = new Random(7);
        for (int i = 0; i < 500; i++) {
            long deadline = START + 1 + random.nextInt((int) (5 * ROTATION));
            deadlineById.put(wheel.schedule(deadline, log), deadline);
        }
        // One poll across five rotations: ticks must still come out in order.
        assertEquals(500, wheel.poll(START + 6 * ROTATION, Integer.MAX_VALUE));
        long previousTick = Long.MIN_VALUE;
        for (long id : log.ids) {
            long tick = (deadlineById.get(id) - START) / TICK;
            assertTrue(tick >= previousTick, "tick " + tick + " fired after tick " + previousTick);
            previousTick = tick;
        }
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldNeverFireBeforeDeadlineAndAtMostOneTickAfterWhenPolledAtNextDeadline() {
        Log log = new Log();
        Map<Long, Long> deadlineById = new HashMap<>();
        Random random = new Random(11);
        for (int i = 0; i < 2_000; i++) {
            long deadline = START + 1 + (long) (random.nextDouble() * 20 * ROTATION);
            deadlineById.put(wheel.schedule(deadline, log), deadline);
        }
        long now = START;
        int polls = 0;
        while (wheel.size() > 0) {
            long next = wheel.nextDeadline();
            assertTrue(next > now, "busy loop: next deadline " + next + " <= now " + now);
            now = next;
            int before = log.ids.size();
            wheel.poll(now, Integer.MAX_VALUE);
            assertTrue(log.ids.size() > before, "woke at " + now + " for nothing");
            polls++;
        }
        assertTrue(polls <= 2_000);
        for (int i = 0; i < log.ids.size(); i++) {
            long deadline = deadlineById.get(log.ids.get(i));
            long firedAt = log.times.get(i);
            assertTrue(firedAt >= deadline, "fired early");
            assertTrue(firedAt - deadline <= TICK, "fired more than a tick late");
        }
    }

    @Test
    void shouldNotFireBeforeDeadlineWithinTheSameTick() {
        Log log = new Log();
        long id = wheel.schedule(START + 10 * TICK + TICK / 2, log);
        assertEquals(0, wheel.poll(START + 10 * TICK, 10));
        assertEquals(0, wheel.poll(START + 10 * TICK + TICK / 2 - 1, 10));
        assertEquals(START + 10 * TICK + TICK / 2, wheel.nextDeadline());
        assertEquals(1, wheel.poll(START + 10 * TICK + TICK / 2, 10));
        assertEquals(List.of(id), log.ids);
    }

    @Test
    void shouldNeverFireCancelledTimers() {
        Log log = new Log();
        List<Long> kept = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            long id = wheel.schedule(START + (i % 300) * TICK + 1, log);
            if (i % 3 == 0) {
                assertTrue(wheel.cancel(id));
                assertFalse(wheel.cancel(id), "second cancel of the same id");
            } else {
                kept.add(id);
            }
        }
        wheel.poll(START + 400 * TICK, Integer.MAX_VALUE);
        assertEquals(new HashSet<>(kept), new HashSet<>(log.ids));
        assertEquals(kept.size(), log.ids.size());
    }

    @Test
    void shouldRejectStaleIds() {
        Log log = new Log();
        long fired = wheel.schedule(START + TICK, log);
        wheel.poll(START + TICK, 10);
        assertEquals(List.of(fired), log.ids);
        assertFalse(wheel.cancel(fired), "already fired");

        long cancelled = wheel.schedule(START + 5 * TICK, log);
        assertTrue(wheel.cancel(cancelled));
        // The free list hands the same entry out again, under a new generation.
        long reused = wheel.schedule(START + 5 * TICK, log);
        assertEquals((int) cancelled, (int) reused, "expected the entry to be reused");
        assertNotEquals(cancelled, reused);
        assertFalse(wheel.cancel(cancelled), "stale id cancelled the newer timer");
        assertFalse(wheel.cancel(fired));
        assertEquals(1, wheel.size());
        wheel.poll(START + 5 * TICK, 10);
        assertEquals(List.of(fired, reused), log.ids);

        assertFalse(wheel.cancel(0));
        assertFalse(wheel.cancel(-1));
        assertFalse(wheel.cancel(Long.MAX_VALUE));
        assertFalse(wheel.cancel(3)); // a sentinel's index, never an id
    }

    @Test
    void shouldAllowScheduleAndCancelFromInsideFiringTask() {
        Log log = new Log();
        long[] ids = new long[4];
        List<String> events = new ArrayList<>();
        long deadline = START + 3 * TICK;
        // All in one slot: the first to fire cancels the others, whichever it is.
        TimerTask canceller = (id, now) -> {
            events.add("fired");
            for (long other : ids) {
                if (other != id && other != 0 && wheel.cancel(other)) {
                    events.add("cancelled");
                }
            }
            assertFalse(wheel.cancel(id), "a firing timer is no longer pending");
            // Same slot, next rotation; a past deadline; a later tick of this poll.
            ids[3] = wheel.schedule(deadline + ROTATION, log);
            wheel.schedule(now - 5 * TICK, log);
            wheel.schedule(now + 2 * TICK, log);
        };
        for (int i = 0; i < 3; i++) {
            ids[i] = wheel.schedule(deadline + i, canceller);
        }
        assertEquals(1, wheel.poll(deadline + 2, Integer.MAX_VALUE));
        assertEquals(List.of("fired", "cancelled", "cancelled"), events);
        assertEquals(3, wheel.size());
        assertTrue(log.ids.isEmpty(), "a past deadline scheduled by a task waits for the next poll");
        assertTrue(wheel.nextDeadline() <= deadline + 2, "the overdue timer is due now");

        assertEquals(1, wheel.poll(deadline + 2, Integer.MAX_VALUE));
        assertEquals(1, wheel.poll(deadline + 2 + 2 * TICK, Integer.MAX_VALUE));
        assertEquals(1, wheel.size());
        assertEquals(deadline + ROTATION, wheel.nextDeadline());
        assertEquals(1, wheel.poll(deadline + ROTATION, Integer.MAX_VALUE));
        assertEquals(ids[3], log.ids.get(2));
    }

    @Test
    void shouldNotLetATaskReschedulingItselfInThePastLoopForever() {
        int[] runs = new int[1];
        TimerTask again = new TimerTask() {
            @Override
            public void onTimeout(long timerId, long nowNanos) {
                runs[0]++;
                wheel.schedule(nowNanos, this);
            }
        };
        wheel.schedule(START + TICK, again);
        assertEquals(1, wheel.poll(START + 10 * TICK, Integer.MAX_VALUE));
        assertEquals(1, wheel.poll(START + 10 * TICK, Integer.MAX_VALUE));
        assertEquals(2, runs[0]);
        assertThrows(IllegalStateException.class, () -> {
            wheel.schedule(START, (id, now) -> wheel.poll(now, 1));
            wheel.poll(START + 10 * TICK, Integer.MAX_VALUE);
        });
    }

    @Test
    void shouldKeepPendingTimersWhenATaskThrows() {
        Log log = new Log();
        for (int i = 0; i < 10; i++) {
            wheel.schedule(START + TICK, log);
        }
        wheel.schedule(START + TICK, (id, now) -> {
            throw new IllegalStateException("boom");
        });
        int firedBefore = 0;
        while (true) {
            try {
                wheel.poll(START + TICK, Integer.MAX_VALUE);
                break;
            } catch (IllegalStateException expected) {
                firedBefore = log.ids.size();
            }
        }
        assertTrue(firedBefore <= 10);
        assertEquals(10, log.ids.size());
        assertEquals(0, wheel.size());
    }

    @Test
    void shouldRespectPollLimitAndResume() {
        Log log = new Log();
        Map<Long, Long> deadlineById = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            long deadline = START + 1 + (i % 10) * TICK + i;
            deadlineById.put(wheel.schedule(deadline, log), deadline);
        }
        long now = START + 20 * TICK;
        int total = 0;
        int polls = 0;
        while (total < 100) {
            int fired = wheel.poll(now, 7);
            assertTrue(fired <= 7);
            assertTrue(fired > 0, "poll made no progress");
            total += fired;
            if (total < 100) {
                assertTrue(wheel.nextDeadline() <= now, "timers are still due");
            }
            polls++;
        }
        assertEquals(15, polls);
        assertEquals(0, wheel.poll(now, 7));
        assertEquals(100, new HashSet<>(log.ids).size());
        long previousTick = Long.MIN_VALUE;
        for (long id : log.ids) {
            long tick = (deadlineById.get(id) - START) / TICK;
            assertTrue(tick >= previousTick, "resuming after the limit broke the order");
            previousTick = tick;
        }
        assertEquals(0, wheel.poll(now, 0));
    }

    @Test
    void shouldFireDeadlinesManyRotationsAhead() {
        Log log = new Log();
        long far = START + 1_000 * ROTATION + 17 * TICK + 3;
        long id = wheel.schedule(far, log);
        long near = wheel.schedule(START + 17 * TICK, log);
        // Polling tick by tick through the first rotations passes the far timer's slot often.
        for (long now = START; now < START + 3 * ROTATION; now += TICK) {
            wheel.poll(now, Integer.MAX_VALUE);
        }
        assertEquals(List.of(near), log.ids);
        assertEquals(far, wheel.nextDeadline());
        assertEquals(0, wheel.poll(far - 1, Integer.MAX_VALUE));
        assertEquals(1, wheel.poll(far, Integer.MAX_VALUE));
        assertEquals(List.of(near, id), log.ids);
    }

    @Test
    void shouldNotWakeEveryRotationForATimerRotationsAhead() {
        Log log = new Log();
        long far = START + 50 * ROTATION + 5 * TICK;
        wheel.schedule(far, log);
        wheel.schedule(START + 5 * TICK, log); // same slot, this rotation
        long now = START;
        int wakeUps = 0;
        while (wheel.size() > 0) {
            now = wheel.nextDeadline();
            wheel.poll(now, Integer.MAX_VALUE);
            wakeUps++;
        }
        assertEquals(2, wakeUps);
        assertEquals(far, now);
    }

    @Test
    void shouldWakeOnlyForDueTimersWithManyFarIdleTimeouts() {
        // The reactor's defaults and ten thousand idle timeouts 5 to 30 seconds ahead: every
        // wake-up fires something, and polling moves them into the slots a rotation at a time.
        TimerWheel idle = new TimerWheel(TICK, 1024, START);
        Log log = new Log();
        Map<Long, Long> deadlineById = new HashMap<>();
        Random random = new Random(5);
        for (int i = 0; i < 10_000; i++) {
            long deadline = START + 5_000 * TICK + (long) (random.nextDouble() * 25_000 * TICK);
            deadlineById.put(idle.schedule(deadline, log), deadline);
        }
        assertEquals(deadlineById.values().stream().mapToLong(Long::longValue).min().getAsLong(),
                idle.nextDeadline());
        long now = START;
        int wakeUps = 0;
        while (idle.size() > 0) {
            long next = idle.nextDeadline();
            assertTrue(next > now, "busy loop");
            now = next;
            assertTrue(idle.poll(now, Integer.MAX_VALUE) > 0, "woke at " + now + " for nothing");
            wakeUps++;
        }
        assertTrue(wakeUps <= new HashSet<>(deadlineById.values()).size());
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < log.ids.size(); i++) {
            long deadline = deadlineById.get(log.ids.get(i));
            assertEquals(deadline, (long) log.times.get(i), "not fired at its deadline");
            assertTrue(deadline >= previous, "out of order");
            previous = deadline;
        }
        assertEquals(TimerWheel.NO_DEADLINE, idle.nextDeadline());
    }

    @Test
    void shouldCancelTimersWaitingRotationsAhead() {
        Log log = new Log();
        List<Long> ids = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            ids.add(wheel.schedule(START + i * 3 * ROTATION + i, log));
        }
        // Crossing rotations fires the first and moves the others on; cancelling most of them
        // leaves bounds that are low.
        assertEquals(1, wheel.poll(START + 4 * ROTATION, Integer.MAX_VALUE));
        for (int i = 1; i < 19; i++) {
            assertTrue(wheel.cancel(ids.get(i)));
        }
        long last = START + 60 * ROTATION + 20;
        long now = START + 4 * ROTATION;
        int empty = 0;
        while (wheel.size() > 0) {
            long next = wheel.nextDeadline();
            assertTrue(next > now && next <= last, "bound " + next);
            now = next;
            if (wheel.poll(now, Integer.MAX_VALUE) == 0) {
                empty++;
            }
        }
        assertTrue(empty <= 18, empty + " empty wake-ups");
        assertEquals(List.of(ids.get(0), ids.get(19)), log.ids);
        assertEquals(last, (long) log.times.get(1));
        long id = wheel.schedule(now + 5 * ROTATION, log);
        assertTrue(wheel.cancel(id));
        assertEquals(TimerWheel.NO_DEADLINE, wheel.nextDeadline());
    }

    @Test
    void shouldCostAtMostOneEmptyWakeUpPerCancel() {
        Log log = new Log();
        Random random = new Random(3);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            ids.add(wheel.schedule(START + 1 + (long) (random.nextDouble() * 30 * ROTATION), log));
        }
        int cancelled = 0;
        for (int i = 0; i < ids.size(); i += 3) {
            assertTrue(wheel.cancel(ids.get(i)));
            cancelled++;
        }
        long now = START;
        int emptyWakeUps = 0;
        while (wheel.size() > 0) {
            long next = wheel.nextDeadline();
            assertTrue(next > now, "busy loop");
            now = next;
            if (wheel.poll(now, Integer.MAX_VALUE) == 0) {
                emptyWakeUps++;
            }
        }
        assertEquals(ids.size() - cancelled, log.ids.size());
        assertTrue(emptyWakeUps <= cancelled, emptyWakeUps + " empty wake-ups");
    }

    @Test
    void shouldFirePastDeadlinesOnNextPoll() {
        Log log = new Log();
        wheel.poll(START + 100 * TICK, Integer.MAX_VALUE);
        long old = wheel.schedule(START + 3 * TICK, log);
        long justNow = wheel.schedule(START + 100 * TICK, log);
        long beforeStart = wheel.schedule(START - ROTATION * 7, log);
        assertTrue(wheel.nextDeadline() <= START + 100 * TICK);
        assertEquals(3, wheel.poll(START + 100 * TICK, Integer.MAX_VALUE));
        assertEquals(Set.of(old, justNow, beforeStart), new HashSet<>(log.ids));
        assertEquals(TimerWheel.NO_DEADLINE, wheel.nextDeadline());
    }

    @Test
    void shouldHandleExtremeTimes() {
        Log log = new Log();
        TimerWheel negative = new TimerWheel(TICK, WHEEL, -3 * ROTATION);
        long id = negative.schedule(-3 * ROTATION + 2 * TICK, log);
        long never = negative.schedule(Long.MAX_VALUE, log);
        assertEquals(1, negative.poll(-3 * ROTATION + 2 * TICK, Integer.MAX_VALUE));
        assertEquals(List.of(id), log.ids);
        assertTrue(negative.nextDeadline() > 0 && negative.nextDeadline() < TimerWheel.NO_DEADLINE);
        assertEquals(0, negative.poll(Long.MAX_VALUE - 2, Integer.MAX_VALUE));
        assertTrue(negative.cancel(never));

        TimerWheel late = new TimerWheel(TICK, WHEEL, Long.MAX_VALUE - ROTATION);
        late.schedule(Long.MAX_VALUE - 1, log);
        late.schedule(Long.MAX_VALUE - ROTATION / 2, log);
        assertEquals(2, late.poll(Long.MAX_VALUE - 1, Integer.MAX_VALUE));
    }

    @Test
    void shouldFireExactlyAtTickBoundariesForOddTicksAndLargeTimes() {
        // 49 * (1.0 / 49) < 1 in doubles; 999_983 is prime; 1 ms is the reactor default.
        for (long tick : new long[] {49, 999_983, 1_000_000}) {
            TimerWheel odd = new TimerWheel(tick, 16, 12_345);
            Random random = new Random(tick);
            int[] fired = new int[1];
            TimerTask count = (id, now) -> fired[0]++;
            long now = 12_345;
            for (int i = 0; i < 3_000; i++) {
                // Small steps, huge ones past the 2^50 ns limit of the division-free path, then
                // small ones again far from the start.
                long range = i / 1_000 == 1 ? (1L << 52) : (1L << 38);
                long k = (now - 12_345) / tick + 1 + (long) (random.nextDouble() * range / tick);
                long deadline = 12_345 + k * tick + random.nextInt(3) - 1;
                odd.schedule(deadline, count);
                assertEquals(0, odd.poll(deadline - 1, Integer.MAX_VALUE), "fired early");
                assertEquals(deadline, odd.nextDeadline());
                assertEquals(1, odd.poll(deadline, Integer.MAX_VALUE), "not fired at its deadline");
                now = deadline;
            }
            assertEquals(3_000, fired[0]);
            assertTrue(now > 1L << 52, "only reached " + now);
        }
    }

    @Test
    void shouldNotAllocateOnScheduleAndCancelOnceWarm() {
        TimerTask task = (id, now) -> { };
        for (int i = 0; i < 10_000; i++) {
            wheel.schedule(START + ROTATION + i * 997L, task); // background, grows the arrays
        }
        long[] sink = {0};
        for (int round = 0; round < 3; round++) {
            long allocated = Allocation.bytesAllocatedBy(() -> {
                for (int i = 0; i < 100_000; i++) {
                    long id = wheel.schedule(START + (i & 1023) * TICK + 1, task);
                    sink[0] += wheel.cancel(id) ? 1 : 0;
                }
            });
            if (round == 2) {
                // One object per operation would be 1.6 MB; JIT compilation and the measuring
                // itself allocate a little on this thread, so allow well under a byte per op.
                assertTrue(allocated < 16_384, allocated + " bytes for 100,000 schedule+cancel");
            }
        }
        assertEquals(300_000, sink[0]);
    }

    @Test
    void shouldGrowBeyondInitialCapacity() {
        int count = 100_000;
        TimerWheel small = new TimerWheel(TICK, 512, START, 16);
        int[] fired = new int[1];
        TimerTask count1 = (id, now) -> fired[0]++;
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = small.schedule(START + 1 + (long) i * 997_331L % (10_000 * TICK), count1);
        }
        assertEquals(count, small.size());
        assertEquals(count, distinctNonZero(ids));
        for (int i = 0; i < count; i += 2) {
            assertTrue(small.cancel(ids[i]));
        }
        assertEquals(count / 2, small.size());
        assertEquals(count / 2, small.poll(START + 20_000 * TICK, Integer.MAX_VALUE));
        assertEquals(count / 2, fired[0]);
        assertEquals(0, small.size());
    }

    private static int distinctNonZero(long[] ids) {
        Set<Long> set = new HashSet<>();
        for (long id : ids) {
            assertNotEquals(0, id);
            set.add(id);
        }
        return set.size();
    }

    @Test
    void shouldSupportIdlePushBackPattern() {
        long timeout = 30 * TICK;
        long[] lastActivity = {START};
        List<Long> timedOutAt = new ArrayList<>();
        int[] reschedules = new int[1];
        TimerTask idle = new TimerTask() {
            @Override
            public void onTimeout(long timerId, long nowNanos) {
                long due = lastActivity[0] + timeout;
                if (due > nowNanos) {
                    reschedules[0]++;
                    wheel.schedule(due, this);
                } else {
                    timedOutAt.add(nowNanos);
                }
            }
        };
        wheel.schedule(START + timeout, idle);
        long now = START;
        // Reads every 5 ms for 200 ms only stamp the time; the timer is never touched.
        for (; now <= START + 200 * TICK; now += TICK) {
            if ((now - START) % (5 * TICK) == 0) {
                lastActivity[0] = now;
            }
            wheel.poll(now, Integer.MAX_VALUE);
        }
        assertTrue(timedOutAt.isEmpty());
        assertTrue(reschedules[0] <= 200 / 30 + 1, "rescheduled " + reschedules[0] + " times");
        // Then silence: the connection times out one timeout after its last read.
        while (timedOutAt.isEmpty()) {
            now = Math.max(now, wheel.nextDeadline());
            wheel.poll(now, Integer.MAX_VALUE);
        }
        assertEquals(START + 200 * TICK + timeout, timedOutAt.get(0));
        assertEquals(0, wheel.size());
    }

    /** Random operations checked against a TreeMap, including tasks that schedule and cancel. */
    @Test
    void shouldMatchReferenceModelUnderRandomOperations() {
        int seeds = Integer.getInteger("timerWheel.seeds", 20);
        for (int seed = 1; seed <= seeds; seed++) {
            runModel(seed, seed % 2 == 0 ? 8 : 256);
        }
    }

    private void runModel(long seed, int wheelSize) {
        Random random = new Random(seed);
        long tick = 1_000;
        long start = -1_000_000 + random.nextInt(1_000_000);
        TimerWheel w = new TimerWheel(tick, wheelSize, start, 4);
        long rotation = tick * wheelSize;
        Map<Long, Long> pending = new HashMap<>();
        TreeMap<Long, Integer> deadlines = new TreeMap<>();
        List<Long> everIssued = new ArrayList<>();
        long[] now = {start};
        long[] lastPoll = {Long.MIN_VALUE};
        Set<Long> overdueAtSchedule = new HashSet<>();
        int[] cancels = new int[1];

        class Model {
            long schedule(long deadline, TimerTask task) {
                long id = w.schedule(deadline, task);
                assertTrue(id != 0 && !pending.containsKey(id));
                pending.put(id, deadline);
                deadlines.merge(deadline, 1, Integer::sum);
                everIssued.add(id);
                if (deadline <= lastPoll[0]) {
                    overdueAtSchedule.add(id);
                }
                return id;
            }

            void remove(long id) {
                long deadline = pending.remove(id);
                deadlines.merge(deadline, -1, (a, b) -> a + b == 0 ? null : a + b);
            }

            boolean cancel(long id) {
                boolean expected = pending.containsKey(id);
                assertEquals(expected, w.cancel(id), () -> "cancel " + id);
                if (expected) {
                    remove(id);
                    cancels[0]++;
                }
                return expected;
            }

            long randomDeadline() {
                switch (random.nextInt(5)) {
                    case 0:
                        return now[0] - random.nextInt((int) (3 * rotation));
                    case 1:
                        return now[0] + random.nextInt((int) tick * 3);
                    case 2:
                        return now[0] + random.nextInt((int) rotation);
                    case 3:
                        return now[0] + (long) (random.nextDouble() * 40 * rotation);
                    default:
                        return now[0] + 1 + random.nextInt((int) (2 * rotation));
                }
            }
        }
        Model model = new Model();
        TimerTask[] task = new TimerTask[1];
        task[0] = (id, t) -> {
            assertTrue(pending.containsKey(id), "fired a timer that is not pending");
            long deadline = pending.get(id);
            assertTrue(deadline <= t, "fired before its deadline");
            model.remove(id);
            int r = random.nextInt(10);
            if (r == 0) {
                model.schedule(model.randomDeadline(), task[0]);
            } else if (r == 1 && !everIssued.isEmpty()) {
                model.cancel(everIssued.get(random.nextInt(everIssued.size())));
            }
        };

        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(100);
            if (op < 40) {
                model.schedule(model.randomDeadline(), task[0]);
            } else if (op < 55 && !everIssued.isEmpty()) {
                model.cancel(everIssued.get(random.nextInt(everIssued.size())));
            } else {
                long next = w.nextDeadline();
                // The wheel's bound is never later than the model's earliest deadline.
                long earliest = deadlines.isEmpty() ? TimerWheel.NO_DEADLINE : deadlines.firstKey();
                assertTrue(next <= earliest, () -> "nextDeadline " + next + " after earliest " + earliest);
                if (deadlines.isEmpty()) {
                    assertEquals(TimerWheel.NO_DEADLINE, next);
                }
                if (op < 80 && next != TimerWheel.NO_DEADLINE) {
                    now[0] = Math.max(now[0], next);
                } else {
                    now[0] += random.nextInt((int) (random.nextBoolean() ? 3 * tick : 5 * rotation));
                }
                int limit = random.nextInt(4) == 0 ? 1 + random.nextInt(5) : Integer.MAX_VALUE;
                lastPoll[0] = now[0];
                int fired = w.poll(now[0], limit);
                assertTrue(fired <= limit);
                if (fired < limit) {
                    // Everything due has fired, apart from past deadlines tasks just scheduled.
                    for (Map.Entry<Long, Long> e : pending.entrySet()) {
                        if (e.getValue() <= now[0]) {
                            assertTrue(overdueAtSchedule.contains(e.getKey()),
                                    () -> "timer due at " + e.getValue() + " still pending at " + now[0]);
                        }
                    }
                    boolean anyOverdue = pending.keySet().stream().anyMatch(overdueAtSchedule::contains);
                    if (!anyOverdue && !pending.isEmpty()) {
                        long next2 = w.nextDeadline();
                        int at = step;
                        assertTrue(next2 > now[0],
                                () -> "busy loop after a full poll: seed " + seed + " step " + at);
                    }
                }
            }
            assertEquals(pending.size(), w.size());
        }
        // Drain, with some cancels: a stale bound costs at most one empty wake-up per cancel.
        int emptyWakeUps = 0;
        while (w.size() > 0) {
            if (random.nextInt(4) == 0) {
                model.cancel(everIssued.get(random.nextInt(everIssued.size())));
                continue;
            }
            long next = w.nextDeadline();
            assertTrue(next <= deadlines.firstKey());
            now[0] = Math.max(now[0], next);
            lastPoll[0] = now[0];
            if (w.poll(now[0], Integer.MAX_VALUE) == 0) {
                emptyWakeUps++;
            }
        }
        assertTrue(emptyWakeUps <= cancels[0],
                "seed " + seed + ": " + emptyWakeUps + " empty wake-ups for " + cancels[0] + " cancels");
        assertTrue(pending.isEmpty());
        assertEquals(TimerWheel.NO_DEADLINE, w.nextDeadline());
    }
}
