package dev.regent.frontend;

import dev.regent.protocol.uwsgi.UwsgiConnectionInfo;
import dev.regent.protocol.uwsgi.UwsgiDecodeResult;
import dev.regent.protocol.uwsgi.UwsgiRequestDecoder;
import io.netty.buffer.ByteBuf;

import java.util.List;
import java.util.function.Consumer;

/** The uwsgi protocol on a connection (nginx uwsgi_pass, Apache mod_proxy_uwsgi): one request, raw HTTP back. */
final class UwsgiHeadDecoder implements HeadDecoder {
    private final UwsgiRequestDecoder decoder;
    private final UwsgiConnectionInfo info;
    private final Consumer<List<String>> droppedVars;

    UwsgiHeadDecoder(int bufferSize, long limitPost, UwsgiConnectionInfo info, Consumer<List<String>> droppedVars) {
        this.decoder = new UwsgiRequestDecoder(Math.min(bufferSize, 65535), limitPost,
                UwsgiRequestDecoder.DEFAULT_MAX_VARS);
        this.info = info;
        this.droppedVars = droppedVars;
    }

    @Override
    public Object decode(ByteBuf in) {
        UwsgiDecodeResult r = decoder.decode(in, info);
        if (r instanceof UwsgiDecodeResult.Decoded d) {
            if (!d.droppedVars().isEmpty()) {
                droppedVars.accept(d.droppedVars());
            }
            return d.head();
        }
        if (r instanceof UwsgiDecodeResult.Rejected rejected) {
            int status = rejected.failure() == UwsgiDecodeResult.Failure.BODY_TOO_LARGE ? 413 : 0;
            return new DecodeError(status, rejected.reason());
        }
        return null;
    }

    @Override
    public BodyDecoder chunkedBody() {
        throw new IllegalStateException("the uwsgi protocol has no chunked request bodies");
    }

    @Override
    public boolean rawResponses() {
        return true;
    }
}
