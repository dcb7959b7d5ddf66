package dev.regent.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChunkedBodyDecoderTest {

    private static ByteBuf buf(String s) {
        return Unpooled.buffer().writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void dataIsARetainedSliceOfTheInput() {
        ChunkedBodyDecoder d = new ChunkedBodyDecoder(0);
        ByteBuf in = buf("5\r\nhello\r\n0\r\n\r\nNEXT");
        ChunkedBodyDecoder.Result r = d.decode(in);
        assertThat(r).isInstanceOf(ChunkedBodyDecoder.Data.class);
        ByteBuf data = ((ChunkedBodyDecoder.Data) r).content();
        assertThat(data.toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(data.unwrap()).isSameAs(in);
        assertThat(in.refCnt()).isEqualTo(2);
        data.release();
        assertThat(d.decode(in)).isEqualTo(ChunkedBodyDecoder.Signal.END);
        assertThat(in.toString(StandardCharsets.US_ASCII)).as("left for the next request").isEqualTo("NEXT");
        assertThat(d.bodyBytes()).isEqualTo(5);
        assertThat(d.decode(in)).isEqualTo(ChunkedBodyDecoder.Signal.END);
        in.release();
    }

    @Test
    void partialChunksComeOutAsTheyArrive() {
        ChunkedBodyDecoder d = new ChunkedBodyDecoder(0);
        ByteBuf in = buf("a\r\n0123");
        ByteBuf first = ((ChunkedBodyDecoder.Data) d.decode(in)).content();
        assertThat(first.toString(StandardCharsets.US_ASCII)).isEqualTo("0123");
        first.release();
        assertThat(d.decode(in)).isEqualTo(ChunkedBodyDecoder.Signal.NEED_MORE);
        in.writeBytes("456789\r".getBytes(StandardCharsets.US_ASCII));
        ByteBuf second = ((ChunkedBodyDecoder.Data) d.decode(in)).content();
        assertThat(second.toString(StandardCharsets.US_ASCII)).isEqualTo("456789");
        second.release();
        assertThat(d.decode(in)).isEqualTo(ChunkedBodyDecoder.Signal.NEED_MORE);
        in.release();
    }

    @Test
    void limitPostIsEnforcedOnTheSumOfChunkSizes() {
        ChunkedBodyDecoder d = new ChunkedBodyDecoder(8);
        ByteBuf in = buf("5\r\nhello\r\n4\r\nabcd\r\n0\r\n\r\n");
        ((ChunkedBodyDecoder.Data) d.decode(in)).content().release();
        ChunkedBodyDecoder.Result r = d.decode(in);
        assertThat(r).isInstanceOf(HttpFailure.class);
        assertThat(((HttpFailure) r).status()).isEqualTo(413);
        assertThatThrownBy(() -> d.decode(in)).isInstanceOf(IllegalStateException.class);
        in.release();
        ChunkedBodyDecoder exact = new ChunkedBodyDecoder(9);
        ByteBuf ok = buf("5\r\nhello\r\n4\r\nabcd\r\n0\r\n\r\n");
        ((ChunkedBodyDecoder.Data) exact.decode(ok)).content().release();
        ((ChunkedBodyDecoder.Data) exact.decode(ok)).content().release();
        assertThat(exact.decode(ok)).isEqualTo(ChunkedBodyDecoder.Signal.END);
        ok.release();
    }

    @Test
    void trailerSectionAndSizeLinesAreBounded() {
        ChunkedBodyDecoder d = new ChunkedBodyDecoder(0, 16, 32);
        ByteBuf in = buf("0\r\nA: 123456789012\r\n");
        assertThat(d.decode(in)).isInstanceOf(HttpFailure.class);
        in.release();
        d.reset();
        ByteBuf many = buf("0\r\nA: 1234567\r\nB: 1234567\r\nC: 1234567\r\n\r\n");
        assertThat(d.decode(many)).isInstanceOf(HttpFailure.class);
        many.release();
        d.reset();
        ByteBuf ext = buf("1;" + "x".repeat(20) + "\r\n");
        assertThat(d.decode(ext)).isEqualTo(new HttpFailure(400,
                "chunk-size line: over 16 bytes (expected: <= 16)"));
        ext.release();
    }

    @Test
    void resetAllowsTheNextBody() {
        ChunkedBodyDecoder d = new ChunkedBodyDecoder(0);
        ByteBuf in = buf("0\r\n\r\n0\r\n\r\n");
        assertThat(d.decode(in)).isEqualTo(ChunkedBodyDecoder.Signal.END);
        d.reset();
        assertThat(d.decode(in)).isEqualTo(ChunkedBodyDecoder.Signal.END);
        assertThat(in.isReadable()).isFalse();
        in.release();
    }
}
