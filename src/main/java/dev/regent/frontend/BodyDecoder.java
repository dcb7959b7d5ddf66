package dev.regent.frontend;

import io.netty.buffer.ByteBuf;

/** Decodes a delimited request body (chunked transfer coding) one piece at a time. */
public interface BodyDecoder {

    /** Returned by {@link #next} after the last piece of the body. */
    Object END = new Object() {
        @Override
        public String toString() {
            return "END";
        }
    };

    /**
     * @return a retained {@link ByteBuf} of body data, {@link #END}, a {@link DecodeError}, or null
     *         when more bytes are needed
     */
    Object next(ByteBuf in);
}
