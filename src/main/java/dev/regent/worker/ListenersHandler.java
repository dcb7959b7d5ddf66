package dev.regent.worker;

import dev.regent.protocol.worker.Frames;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.ReferenceCountUtil;

import java.util.List;

/**
 * A zygote's ROLE_LISTENERS connection: sends the LISTENERS frame, then each uwsgi listener's
 * descriptor (SCM_RIGHTS, one message each, in order), then closes. The zygote's workers inherit
 * them and accept there directly (python/regent/direct.py).
 */
public final class ListenersHandler extends ChannelInboundHandlerAdapter {
    private final List<Integer> descriptors;

    public ListenersHandler(List<Integer> descriptors) {
        this.descriptors = List.copyOf(descriptors);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ChannelFuture last = ctx.write(Frames.listeners(ctx.alloc(), descriptors.size()));
        for (int fd : descriptors) {
            // A new wrapper around the listener's number: sent, never closed (the listener
            // stays the master's).
            last = ctx.write(new FileDescriptor(fd));
        }
        ctx.flush();
        last.addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
