package dev.regent.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

class SchedulerTest {
    private static final long T0 = LocalDateTime.of(2026, 3, 2, 10, 0, 30).toInstant(ZoneOffset.UTC).toEpochMilli();

    @Test
    void aTimerFiresOncePerPeriod() {
        Scheduler s = new Scheduler(ZoneOffset.UTC);
        s.addTimer(7, 1000, 0, T0);
        assertThat(s.tick(T0 + 999)).isEmpty();
        assertThat(s.tick(T0 + 1000)).containsExactly(7);
        assertThat(s.tick(T0 + 1500)).isEmpty();
        assertThat(s.tick(T0 + 2001)).containsExactly(7);
        // a stall of ten periods fires once, then the rhythm resumes from now
        assertThat(s.tick(T0 + 12_500)).containsExactly(7);
        assertThat(s.tick(T0 + 13_000)).isEmpty();
        assertThat(s.tick(T0 + 13_500)).containsExactly(7);
    }

    @Test
    void anRbTimerStopsAfterItsIterations() {
        Scheduler s = new Scheduler(ZoneOffset.UTC);
        s.addTimer(1, 100, 2, T0);
        List<Integer> fired = new ArrayList<>();
        for (long t = T0; t <= T0 + 1000; t += 10) {
            fired.addAll(s.tick(t));
        }
        assertThat(fired).containsExactly(1, 1);
        assertThat(s.timers()).isZero();
    }

    @Test
    void aCronFiresAtItsMinuteOnce() {
        Scheduler s = new Scheduler(ZoneOffset.UTC);
        s.addCron(3, 5, -1, -1, -1, -1);  // minute 5 of every hour
        assertThat(s.tick(T0)).isEmpty();
        long at = LocalDateTime.of(2026, 3, 2, 10, 5, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
        assertThat(s.tick(at)).containsExactly(3);
        assertThat(s.tick(at + 30_000)).isEmpty();  // same minute
        assertThat(s.tick(at + 60_000)).isEmpty();  // 10:06
        assertThat(s.tick(at + 3_600_000)).containsExactly(3);  // 11:05
    }

    @Test
    void negativeFieldsMeanEveryN() {
        Scheduler s = new Scheduler(ZoneOffset.UTC);
        s.addCron(4, -15, -1, -1, -1, 1);  // every 15 minutes, Mondays (2026-03-02 is a Monday)
        List<Integer> minutes = new ArrayList<>();
        long base = LocalDateTime.of(2026, 3, 2, 10, 0, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
        for (int m = 0; m < 60; m++) {
            if (!s.tick(base + m * 60_000L).isEmpty()) {
                minutes.add(m);
            }
        }
        assertThat(minutes).containsExactly(0, 15, 30, 45);
        long tuesday = LocalDateTime.of(2026, 3, 3, 10, 0, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
        assertThat(s.tick(tuesday)).isEmpty();
        assertThat(Scheduler.field(-1, 42)).isTrue();
        assertThat(Scheduler.field(-2, 3)).isFalse();
    }
}
