package dev.regent.api;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * The master's timers and crons ({@code uwsgi.add_timer}, {@code add_ms_timer}, {@code add_rb_timer},
 * {@code add_cron}). Pure bookkeeping: {@link #tick} is given the time and returns the signals due,
 * so it is tested with made-up clocks and never sleeps.
 *
 * <p>Cron fields follow uWSGI: minute, hour, day of month, month (1-12), weekday (0 = Sunday);
 * -1 matches anything, -N matches values divisible by N ("every N"). A cron fires at most once
 * per matching minute.
 */
public final class Scheduler {

    private final ZoneId zone;
    private final List<Timer> timers = new ArrayList<>();
    private final List<Cron> crons = new ArrayList<>();

    private static final class Timer {
        final int signal;
        final long periodMillis;
        final int iterations;
        long next;
        int fired;

        Timer(int signal, long periodMillis, int iterations, long next) {
            this.signal = signal;
            this.periodMillis = periodMillis;
            this.iterations = iterations;
            this.next = next;
        }
    }

    private record Cron(int signal, int minute, int hour, int day, int month, int weekday, long[] lastMinute) {
    }

    public Scheduler(ZoneId zone) {
        this.zone = zone;
    }

    /** A timer firing every {@code periodMillis} from {@code nowMillis}; {@code iterations} 0 = forever. */
    public void addTimer(int signal, long periodMillis, int iterations, long nowMillis) {
        if (periodMillis <= 0) {
            throw new IllegalArgumentException("timer period " + periodMillis + " ms (expected: > 0)");
        }
        timers.add(new Timer(signal, periodMillis, Math.max(0, iterations), nowMillis + periodMillis));
    }

    public void addCron(int signal, int minute, int hour, int day, int month, int weekday) {
        crons.add(new Cron(signal, minute, hour, day, month, weekday, new long[] {Long.MIN_VALUE}));
    }

    public int timers() {
        return timers.size();
    }

    public int crons() {
        return crons.size();
    }

    /** The signals due at {@code nowMillis} (epoch ms), in the order they were added. */
    public List<Integer> tick(long nowMillis) {
        List<Integer> due = new ArrayList<>();
        for (var it = timers.iterator(); it.hasNext(); ) {
            Timer t = it.next();
            if (nowMillis >= t.next) {
                due.add(t.signal);
                t.fired++;
                // After a long stall fire once, not once per missed period.
                t.next = nowMillis - t.next >= t.periodMillis ? nowMillis + t.periodMillis : t.next + t.periodMillis;
                if (t.iterations > 0 && t.fired >= t.iterations) {
                    it.remove();
                }
            }
        }
        if (!crons.isEmpty()) {
            long minuteIndex = Math.floorDiv(nowMillis, 60_000L);
            LocalDateTime local = LocalDateTime.ofInstant(Instant.ofEpochMilli(nowMillis), zone);
            for (Cron c : crons) {
                if (c.lastMinute[0] != minuteIndex && matches(c, local)) {
                    c.lastMinute[0] = minuteIndex;
                    due.add(c.signal);
                }
            }
        }
        return due;
    }

    private static boolean matches(Cron c, LocalDateTime t) {
        return field(c.minute, t.getMinute()) && field(c.hour, t.getHour()) && field(c.day, t.getDayOfMonth())
                && field(c.month, t.getMonthValue()) && field(c.weekday, t.getDayOfWeek().getValue() % 7);
    }

    /** -1 any; -N every N (value divisible by N); otherwise that exact value. */
    static boolean field(int spec, int value) {
        if (spec == -1) {
            return true;
        }
        if (spec < -1) {
            return value % -spec == 0;
        }
        return spec == value;
    }
}
