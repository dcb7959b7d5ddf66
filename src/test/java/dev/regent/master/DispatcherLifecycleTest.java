package dev.regent.master;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.dispatch.Dispatcher;
import dev.regent.dispatch.Job;
import dev.regent.dispatch.Slot;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The dispatcher's part of worker lifecycle, with fake slot channels: least-busy choice, the
 * bounded queue, retiring (keeps serving until the replacement connects, then drains), a lost
 * worker failing only its own request, harakiri sweeps and the status snapshot.
 */
class DispatcherLifecycleTest {
    private final EmbeddedChannel loopOwner = new EmbeddedChannel();
    private final Dispatcher dispatcher = new Dispatcher(loopOwner.eventLoop(), 2);
    private final List<String> events = new ArrayList<>();

    DispatcherLifecycleTest() {
        dispatcher.listener(new Dispatcher.Listener() {
            @Override
            public void recycle(int workerId, long pid, String reason) {
                events.add("recycle " + workerId + " " + pid);
            }

            @Override
            public void harakiri(int workerId, long pid) {
                events.add("harakiri " + workerId + " " + pid);
            }

            @Override
            public void connected(int workerId, long pid) {
                events.add("connected " + workerId + " " + pid);
            }
        }, (id, age) -> 3);
    }

    /** A request that records what happened to it. */
    static final class FakeJob implements Job {
        final String name;
        Slot slot;
        int rejected;
        boolean lost;

        FakeJob(String name) {
            this.name = name;
        }

        @Override
        public void start(Slot s) {
            slot = s;
        }

        @Override
        public void reject(int status, String reason) {
            rejected = status;
        }

        @Override
        public void workerLost(Slot s) {
            lost = true;
        }

        @Override
        public boolean cancelled() {
            return false;
        }

        @Override
        public String describe() {
            return "127.0.0.1 GET /" + name;
        }
    }

    private Slot slot(int workerId, long pid, int index) {
        return dispatcher.addSlot(workerId, pid, 1, index, new EmbeddedChannel());
    }

    private FakeJob submit(String name) {
        FakeJob job = new FakeJob(name);
        dispatcher.submit(job);
        return job;
    }

    @Test
    void aRequestGoesToTheLeastBusyWorker() {
        slot(1, 101, 0);
        slot(1, 101, 1);
        slot(2, 102, 0);
        slot(2, 102, 1);
        FakeJob a = submit("a");
        FakeJob b = submit("b");
        assertThat(a.slot.worker().pid()).isNotEqualTo(b.slot.worker().pid());
        FakeJob c = submit("c");
        dispatcher.release(a.slot);
        FakeJob d = submit("d");
        // After a's release, a's worker has 0 or 1 busy slots and the other 1 or 2: d goes to the idler one.
        assertThat(d.slot.worker().busy()).isLessThanOrEqualTo(c.slot.worker().busy());
        assertThat(events).containsExactly("connected 1 101", "connected 2 102");
    }

    @Test
    void whenEverySlotIsBusyRequestsQueueUpToTheLimitThenGet503() {
        Slot only = slot(1, 101, 0);
        FakeJob running = submit("running");
        FakeJob q1 = submit("q1");
        FakeJob q2 = submit("q2");
        FakeJob refused = submit("refused");
        assertThat(running.slot).isSameAs(only);
        assertThat(q1.slot).isNull();
        assertThat(q2.slot).isNull();
        assertThat(refused.rejected).isEqualTo(503);
        assertThat(dispatcher.queued()).isEqualTo(2);
        dispatcher.release(only);
        assertThat(q1.slot).as("the queue is served in order").isSameAs(only);
        assertThat(dispatcher.rejectedTotal()).isEqualTo(1);
    }

    @Test
    void aRetiredWorkerServesUntilItsReplacementConnectsThenDrains() {
        Slot old = slot(1, 101, 0);
        FakeJob busy = submit("busy");
        dispatcher.retire(1, 101);
        assertThat(old.channel().isOpen()).as("no replacement yet: keeps its connection").isTrue();
        Slot fresh = slot(1, 201, 0);
        FakeJob next = submit("next");
        assertThat(next.slot).as("new requests go to the replacement").isSameAs(fresh);
        assertThat(old.channel().isOpen()).as("still finishing its request").isTrue();
        dispatcher.release(busy.slot);
        assertThat(old.channel().isOpen()).as("idle and draining: disowned, so the worker exits").isFalse();
        assertThat(dispatcher.workers()).extracting(w -> w.pid()).contains(201L);
    }

    @Test
    void aRetiredIdleWorkerClosesAsSoonAsTheReplacementConnects() {
        Slot old = slot(1, 101, 0);
        dispatcher.retire(1, 101);
        slot(1, 201, 0);
        assertThat(old.channel().isOpen()).isFalse();
    }

    @Test
    void aWorkerRetiredBeforeItConnectedIsDisownedWhenItsReplacementAlreadyServes() {
        Slot oldest = slot(1, 101, 0);
        dispatcher.retire(1, 101);
        // Reload after reload: 201 was forked and retired before its first slot connected.
        dispatcher.retire(1, 201);
        Slot newest = slot(1, 301, 0);
        assertThat(oldest.channel().isOpen()).isFalse();
        Slot late = slot(1, 201, 0);
        assertThat(late.channel().isOpen()).as("the late, already replaced worker is told to exit").isFalse();
        assertThat(newest.channel().isOpen()).isTrue();
        FakeJob job = submit("j");
        assertThat(job.slot).isSameAs(newest);
    }

    @Test
    void aWorkerRetiredBeforeItConnectedServesUntilItsReplacementComes() {
        Slot oldest = slot(1, 101, 0);
        dispatcher.retire(1, 101);
        dispatcher.retire(1, 201);
        Slot late = slot(1, 201, 0);
        assertThat(oldest.channel().isOpen()).as("a retired newcomer replaces no one").isTrue();
        assertThat(late.channel().isOpen()).isTrue();
        slot(1, 301, 0);
        assertThat(oldest.channel().isOpen()).isFalse();
        assertThat(late.channel().isOpen()).isFalse();
    }

    @Test
    void aLostWorkerFailsOnlyItsOwnRequest() {
        Slot s1 = slot(1, 101, 0);
        slot(2, 102, 0);
        FakeJob a = submit("a");
        FakeJob b = submit("b");
        Slot dying = a.slot;
        dispatcher.slotClosed(dying);
        assertThat(a.lost).isTrue();
        assertThat(b.lost).isFalse();
        assertThat(dispatcher.inFlight()).isEqualTo(1);
        FakeJob c = submit("c");
        assertThat(c.slot).as("the dead worker gets nothing new").isNotSameAs(dying);
        assertThat(s1).isNotNull();
    }

    @Test
    void maxRequestsAsksForARecycleOnce() {
        Slot s = slot(1, 101, 0);
        for (int i = 0; i < 5; i++) {
            submit("r" + i);
            dispatcher.release(s);
        }
        assertThat(events).containsExactly("connected 1 101", "recycle 1 101");
    }

    @Test
    void harakiriSweepFiresOncePerRequestAndStopsNewWorkForThatWorker() {
        slot(1, 101, 0);
        slot(2, 102, 0);
        FakeJob stuck = submit("stuck");
        long start = stuck.slot.assignedAt();
        long limit = TimeUnit.SECONDS.toNanos(2);
        assertThat(dispatcher.sweepHarakiri(start + limit - 1, limit)).isEmpty();
        assertThat(dispatcher.sweepHarakiri(start + limit, limit)).containsExactly(stuck.slot);
        assertThat(dispatcher.sweepHarakiri(start + 2 * limit, limit)).isEmpty();
        assertThat(events).contains("harakiri " + stuck.slot.worker().workerId() + " " + stuck.slot.worker().pid());
        FakeJob other = submit("other");
        assertThat(other.slot.worker()).isNotSameAs(stuck.slot.worker());
    }

    @Test
    void statusListsEachWorkerAndWhatItsBusySlotsRun() {
        slot(1, 101, 0);
        slot(1, 101, 1);
        slot(2, 102, 0);
        FakeJob a = submit("a");
        long now = a.slot.assignedAt() + TimeUnit.MILLISECONDS.toNanos(1500);
        List<Dispatcher.WorkerStatus> status = dispatcher.status(now);
        assertThat(status).extracting(Dispatcher.WorkerStatus::workerId).containsExactly(1, 2);
        Dispatcher.WorkerStatus busy = status.stream().filter(w -> w.busy() == 1).findFirst().orElseThrow();
        assertThat(busy.running()).singleElement().satisfies(s -> {
            assertThat(s.request()).isEqualTo("127.0.0.1 GET /a");
            assertThat(s.runningNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(1500));
        });
    }
}
