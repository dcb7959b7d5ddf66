package dev.regent.protocol.uwsgi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UwsgiResponseHeadTest {

    private static Object prefixFor(String protocol) {
        ByteBuf buf = Unpooled.copiedBuffer("xx" + protocol, StandardCharsets.ISO_8859_1);
        return UwsgiResponseHead.statusLinePrefix(buf, 2, protocol.length());
    }

    @Test
    void knownProtocolsAreEchoedAndEverythingElseIsHttp10() {
        assertThat(prefixFor("HTTP/1.1")).isSameAs(UwsgiResponseHead.HTTP_1_1);
        assertThat(prefixFor("HTTP/1.0")).isSameAs(UwsgiResponseHead.HTTP_1_0);
        assertThat(prefixFor("HTTP/2.0")).isSameAs(UwsgiResponseHead.HTTP_2_0);
        assertThat(prefixFor("HTTP/3.0")).isSameAs(UwsgiResponseHead.HTTP_3_0);
        assertThat(prefixFor("HTTP/1.2")).isSameAs(UwsgiResponseHead.HTTP_1_0);
        assertThat(prefixFor("HTTP/1.1 ")).isSameAs(UwsgiResponseHead.HTTP_1_0);
        assertThat(prefixFor("")).isSameAs(UwsgiResponseHead.HTTP_1_0);
        assertThat((Object) UwsgiResponseHead.statusLinePrefix(Unpooled.EMPTY_BUFFER, 0, -1))
                .isSameAs(UwsgiResponseHead.HTTP_1_0);
        assertThat((Object) UwsgiResponseHead.statusLinePrefix()).hasToString("HTTP/1.0 ");
        assertThat((Object) UwsgiResponseHead.HTTP_1_1).hasToString("HTTP/1.1 ");
    }
}
