package dev.regent.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.config.ApiSpec;
import dev.regent.dispatch.Dispatcher;
import dev.regent.dispatch.FrameJob;
import dev.regent.dispatch.Slot;
import dev.regent.protocol.worker.Frame;
import dev.regent.protocol.worker.FrameType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Signals of unique timers and crons are not delivered where their previous delivery is still
 * running; other signals are, as often as they are raised.
 */
class UniqueSignalTest {
    private final EmbeddedChannel loopOwner = new EmbeddedChannel();
    private final Dispatcher dispatcher = new Dispatcher(loopOwner.eventLoop(), 100);
    private final List<String> log = new ArrayList<>();
    private final ApiHub hub = new ApiHub(ApiSpec.none(), dispatcher, log::add);
    private final EmbeddedChannel[] channels = {new EmbeddedChannel(), new EmbeddedChannel()};
    private final Slot[] slots = new Slot[2];

    UniqueSignalTest() {
        dispatcher.listener(new Dispatcher.Listener() {
            @Override
            public void recycle(int workerId, long pid, String reason) {
            }

            @Override
            public void harakiri(int workerId, long pid) {
            }

            @Override
            public void connected(int workerId, long pid) {
            }
        }, (id, age) -> 0);
        // One worker with two slots: a second delivery would find an idle slot at once.
        for (int i = 0; i < 2; i++) {
            slots[i] = dispatcher.addSlot(1, 100, 1, i, channels[i]);
        }
    }

    private void frame(int type, ByteBuf payload) {
        Frame f = new Frame(type, payload);
        try {
            hub.onApiFrame(f);
        } finally {
            f.release();
        }
    }

    private void register(int n) {
        frame(FrameType.REGISTER_SIGNAL, Unpooled.buffer().writeByte(n).writeBytes("".getBytes(StandardCharsets.UTF_8)));
    }

    private void addTimer(int n, int flags) {
        frame(FrameType.ADD_TIMER, Unpooled.buffer().writeByte(n).writeByte(flags).writeIntLE(60_000).writeIntLE(0));
    }

    private void addCron(int n, Integer flags) {
        ByteBuf p = Unpooled.buffer().writeByte(n);
        for (int i = 0; i < 5; i++) {
            p.writeShortLE(-1);
        }
        if (flags != null) {
            p.writeByte(flags);
        }
        frame(FrameType.ADD_CRON, p);
    }

    /** RUN_SIGNAL frames written to the slots so far, as "slot:signal". */
    private List<String> delivered() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ByteBuf b;
            while ((b = channels[i].readOutbound()) != null) {
                assertThat(b.getByte(4)).isEqualTo((byte) FrameType.RUN_SIGNAL);
                out.add(i + ":" + b.getUnsignedByte(5));
                b.release();
            }
        }
        return out;
    }

    private void done(int slot, int n) {
        ((FrameJob) slots[slot].job()).onFrame(new Frame(FrameType.SIGNAL_DONE, Unpooled.buffer().writeByte(n).writeByte(0)));
    }

    @Test
    void aUniqueTimersSignalIsNotDeliveredAgainWhileItsHandlerRuns() {
        register(5);
        addTimer(5, ApiHub.FLAG_UNIQUE);
        hub.raise(5);
        assertThat(delivered()).containsExactly("0:5");
        assertThat(hub.uniqueRunning(5, "worker")).isTrue();

        hub.raise(5);
        hub.raise(5);
        assertThat(delivered()).as("skipped, not queued, although slot 1 is idle").isEmpty();
        assertThat(slots[1].job()).isNull();

        done(0, 5);
        assertThat(hub.uniqueRunning(5, "worker")).isFalse();
        hub.raise(5);
        assertThat(delivered()).hasSize(1);
    }

    @Test
    void aUniqueCronBehavesTheSameAndAnOrdinaryOneDoesNot() {
        register(6);
        addCron(6, ApiHub.FLAG_UNIQUE);
        register(7);
        addCron(7, null); // the 11-byte payload of an ordinary cron
        hub.raise(6);
        hub.raise(6);
        assertThat(delivered()).containsExactly("0:6");
        done(0, 6);
        hub.raise(7);
        hub.raise(7);
        assertThat(delivered()).containsExactlyInAnyOrder("0:7", "1:7");
    }

    @Test
    void anOrdinaryTimersSignalRunsAsOftenAsRaised() {
        register(8);
        addTimer(8, 0);
        hub.raise(8);
        hub.raise(8);
        hub.raise(8);
        assertThat(delivered()).containsExactlyInAnyOrder("0:8", "1:8");
        done(0, 8);
        assertThat(delivered()).as("the third waited in the queue for a free slot").containsExactly("0:8");
    }

    @Test
    void aUniqueDeliveryEndsWhenItsWorkerDies() {
        register(9);
        addTimer(9, ApiHub.FLAG_UNIQUE);
        hub.raise(9);
        assertThat(delivered()).containsExactly("0:9");
        dispatcher.slotClosed(slots[0]); // the worker is gone as a whole
        assertThat(hub.uniqueRunning(9, "worker")).isFalse();
        EmbeddedChannel respawned = new EmbeddedChannel();
        dispatcher.addSlot(1, 101, 1, 0, respawned);
        hub.raise(9);
        ByteBuf b = respawned.readOutbound();
        assertThat(b).as("delivered to the respawned worker").isNotNull();
        assertThat(b.getUnsignedByte(5)).isEqualTo((short) 9);
        b.release();
    }

    @Test
    void tracking() {
        UniqueDeliveries u = new UniqueDeliveries();
        assertThat(u.begin(1, "worker")).as("not unique: always").isTrue();
        assertThat(u.begin(1, "worker")).isTrue();
        u.markUnique(1);
        assertThat(u.begin(1, "worker2")).isTrue();
        assertThat(u.begin(1, "worker2")).isFalse();
        assertThat(u.begin(1, "worker3")).as("another place").isTrue();
        u.end(1, "worker2");
        assertThat(u.begin(1, "worker2")).isTrue();
        u.endAll("worker2");
        u.endAll("worker3");
        assertThat(u.running(1, "worker2")).isFalse();
        assertThat(u.running(1, "worker3")).isFalse();
    }
}
