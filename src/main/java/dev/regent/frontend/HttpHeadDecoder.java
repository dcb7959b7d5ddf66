package dev.regent.frontend;

import dev.regent.protocol.http.ChunkedBodyDecoder;
import dev.regent.protocol.http.ConnectionInfo;
import dev.regent.protocol.http.HttpFailure;
import dev.regent.protocol.http.HttpRequestDecoder;
import io.netty.buffer.ByteBuf;

/** HTTP/1.1 on a connection: the codec of {@code dev.regent.protocol.http} behind the front-end seam. */
final class HttpHeadDecoder implements HeadDecoder {
    private final HttpRequestDecoder decoder;
    private final ConnectionInfo info;
    private final long limitPost;

    HttpHeadDecoder(int bufferSize, long limitPost, ConnectionInfo info) {
        // buffer-size bounds the whole head; the request line (4 KiB, 414), each field line
        // (8190 bytes, 431) and the field count (100, 431) keep the codec's defaults, as most
        // front ends do, so that one huge line cannot use up the whole head budget.
        this.decoder = new HttpRequestDecoder(bufferSize, limitPost);
        this.info = info;
        this.limitPost = limitPost;
    }

    @Override
    public Object decode(ByteBuf in) {
        HttpRequestDecoder.Result r = decoder.decodeHead(in, info);
        if (r instanceof HttpRequestDecoder.Head head) {
            return head.head();
        }
        if (r instanceof HttpFailure failure) {
            return new DecodeError(failure.status(), failure.message());
        }
        return null;
    }

    @Override
    public BodyDecoder chunkedBody() {
        ChunkedBodyDecoder chunked = new ChunkedBodyDecoder(limitPost);
        return in -> {
            ChunkedBodyDecoder.Result r = chunked.decode(in);
            if (r instanceof ChunkedBodyDecoder.Data data) {
                return data.content();
            }
            if (r == ChunkedBodyDecoder.Signal.END) {
                return BodyDecoder.END;
            }
            if (r instanceof HttpFailure failure) {
                return new DecodeError(failure.status(), failure.message());
            }
            return null;
        };
    }

    @Override
    public boolean rawResponses() {
        return false;
    }
}
