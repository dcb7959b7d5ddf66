package dev.regent.frontend;

import dev.regent.protocol.http.ChunkedBodyDecoder;
import dev.regent.protocol.http.ConnectionInfo;
import dev.regent.protocol.http.HttpFailure;
import dev.regent.protocol.http.HttpRequestDecoder;
import io.netty.buffer.ByteBuf;

/** HTTP/1.1 on a connection: the codec of {@code dev.regent.protocol.http} behind the front-end seam. */
final class HttpHeadDecoder implements HeadDecoder {
    /** More header fields than this is refused (431); browsers send about 20. */
    static final int MAX_FIELDS = 256;

    private final HttpRequestDecoder decoder;
    private final ConnectionInfo info;
    private final long limitPost;

    HttpHeadDecoder(int bufferSize, long limitPost, ConnectionInfo info) {
        // buffer-size bounds the whole head, so no single line may be larger than it either.
        this.decoder = new HttpRequestDecoder(bufferSize, bufferSize, bufferSize, MAX_FIELDS, limitPost);
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
