package dev.regent.protocol.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    /** A response as a worker writes it: HEAD, a body bigger than one read, END. */
    private static byte[] response(int bodySize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frame(out, FrameType.RESPONSE_HEAD, "head".getBytes());
        byte[] body = new byte[bodySize];
        for (int i = 0; i < bodySize; i++) {
            body[i] = (byte) (i * 31);
        }
        frame(out, FrameType.RESPONSE_BODY, body);
        frame(out, FrameType.RESPONSE_END, new byte[] {0});
        return out.toByteArray();
    }

    private static void frame(ByteArrayOutputStream out, int type, byte[] payload) {
        int n = payload.length;
        out.write(n & 0xff);
        out.write((n >>> 8) & 0xff);
        out.write((n >>> 16) & 0xff);
        out.write((n >>> 24) & 0xff);
        out.write(type);
        out.writeBytes(payload);
    }

    /** Decodes {@code wire} fed in pieces of {@code step} bytes; body pieces are joined. */
    private static List<String> decode(byte[] wire, int step, ByteArrayOutputStream body) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        for (int at = 0; at < wire.length; at += step) {
            ch.writeInbound(Unpooled.wrappedBuffer(wire, at, Math.min(step, wire.length - at)));
        }
        List<String> kinds = new ArrayList<>();
        Frame f;
        while ((f = ch.readInbound()) != null) {
            ByteBuf p = f.payload();
            byte[] bytes = new byte[p.readableBytes()];
            p.readBytes(bytes);
            if (f.type() == FrameType.RESPONSE_BODY) {
                body.writeBytes(bytes);
                if (!kinds.isEmpty() && kinds.get(kinds.size() - 1).equals("BODY")) {
                    f.release();
                    continue;
                }
                kinds.add("BODY");
            } else {
                kinds.add(f.type() == FrameType.RESPONSE_HEAD ? "HEAD:" + new String(bytes) : "END:" + bytes[0]);
            }
            f.release();
        }
        assertThat(ch.finish()).isFalse();
        return kinds;
    }

    @Test
    void everyFragmentSizeGivesTheSameFramesAndBody() {
        byte[] wire = response(300);
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        List<String> expected = decode(wire, wire.length, whole);
        assertThat(expected).containsExactly("HEAD:head", "BODY", "END:0");
        for (int step = 1; step <= wire.length; step++) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            assertThat(decode(wire, step, body)).as("step %d", step).isEqualTo(expected);
            assertThat(body.toByteArray()).as("step %d", step).isEqualTo(whole.toByteArray());
        }
    }

    @Test
    void aSplitAtEveryBytePositionGivesTheSameFramesAndBody() {
        byte[] wire = response(200);
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        List<String> expected = decode(wire, wire.length, whole);
        for (int cut = 1; cut < wire.length; cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
            ch.writeInbound(Unpooled.wrappedBuffer(wire, 0, cut));
            ch.writeInbound(Unpooled.wrappedBuffer(wire, cut, wire.length - cut));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            List<String> kinds = new ArrayList<>();
            Frame f;
            while ((f = ch.readInbound()) != null) {
                if (f.type() == FrameType.RESPONSE_BODY) {
                    byte[] b = new byte[f.payload().readableBytes()];
                    f.payload().readBytes(b);
                    body.writeBytes(b);
                    if (kinds.isEmpty() || !kinds.get(kinds.size() - 1).equals("BODY")) {
                        kinds.add("BODY");
                    }
                } else {
                    kinds.add(f.type() == FrameType.RESPONSE_HEAD ? "HEAD:head" : "END:0");
                }
                f.release();
            }
            assertThat(kinds).as("cut %d", cut).isEqualTo(expected);
            assertThat(body.toByteArray()).as("cut %d", cut).isEqualTo(whole.toByteArray());
        }
    }

    @Test
    void aBodyLargerThanOneReadIsPassedOnBeforeItIsComplete() {
        byte[] wire = response(100_000);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ch.writeInbound(Unpooled.wrappedBuffer(wire, 0, 50_000));
        Frame head = ch.readInbound();
        Frame firstPiece = ch.readInbound();
        assertThat(head.type()).isEqualTo(FrameType.RESPONSE_HEAD);
        assertThat(firstPiece.type()).isEqualTo(FrameType.RESPONSE_BODY);
        assertThat(firstPiece.payload().readableBytes()).isEqualTo(50_000 - 9 - 5);
        head.release();
        firstPiece.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void anOversizedOrUnknownFrameIsAProtocolError() {
        EmbeddedChannel big = new EmbeddedChannel(new FrameDecoder());
        assertThatThrownBy(() -> big.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 2, 0x21})))
                .isInstanceOf(DecoderException.class).hasMessageContaining("length: 33554432 (expected: <= 16777216)");
        EmbeddedChannel unknown = new EmbeddedChannel(new FrameDecoder());
        assertThatThrownBy(() -> unknown.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 0x7f})))
                .isInstanceOf(DecoderException.class).hasMessageContaining("type: 0x7f (expected: a known type)");
    }
}
