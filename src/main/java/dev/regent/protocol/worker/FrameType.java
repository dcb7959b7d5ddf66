package dev.regent.protocol.worker;

/**
 * The catalogue of worker-channel frame types. The layout of every payload is in
 * docs/worker-protocol.md; this class only names the type bytes.
 */
public final class FrameType {
    public static final int HELLO = 0x01;

    public static final int REQUEST = 0x10;
    public static final int BODY = 0x11;
    public static final int BODY_END = 0x12;
    public static final int FILE_OPENED = 0x13;
    public static final int ABORT = 0x14;
    /** master -> slot: accept on the app's uwsgi sockets yourself (python/regent/direct.py). */
    public static final int DIRECT = 0x15;
    /** master -> slot: stop accepting on the uwsgi sockets (graceful stop); relayed requests still come. */
    public static final int DIRECT_STOP = 0x16;

    public static final int RESPONSE_HEAD = 0x20;
    public static final int RESPONSE_BODY = 0x21;
    public static final int RESPONSE_END = 0x22;
    public static final int SENDFILE = 0x23;

    public static final int SPAWN = 0x30;
    public static final int SIGNAL = 0x31;
    public static final int SHUTDOWN = 0x32;
    public static final int SPAWN_MULE = 0x33;
    /** master -> zygote on a ROLE_LISTENERS connection: u32 count, then that many descriptors (SCM_RIGHTS). */
    public static final int LISTENERS = 0x34;

    public static final int READY = 0x40;
    public static final int LOAD_FAILED = 0x41;
    public static final int SPAWNED = 0x42;
    public static final int EXITED = 0x43;
    public static final int LOG = 0x44;

    // The uwsgi Python API (payloads in docs/worker-protocol.md, "The uwsgi API").
    public static final int REGISTER_SIGNAL = 0x50;
    public static final int ADD_TIMER = 0x51;
    public static final int ADD_CRON = 0x52;
    public static final int RAISE_SIGNAL = 0x53;
    public static final int MULE_MSG = 0x54;
    public static final int MULE_MESSAGE = 0x55;
    public static final int RUN_SIGNAL = 0x56;
    public static final int SIGNAL_DONE = 0x57;
    /** Slot connection, worker to master: uwsgi.set_user_harakiri for the slot's current job. */
    public static final int SET_HARAKIRI = 0x58;
    /** slot -> master: a request the slot answered directly, for the request log. */
    public static final int DIRECT_LOG = 0x59;

    /** REQUEST flag: the request has no body, so no BODY/BODY_END frames follow. */
    public static final int REQUEST_NO_BODY = 0x01;
    /** RESPONSE_HEAD flag: the app asked for the connection to be closed. */
    public static final int HEAD_CLOSE = 0x01;

    /** HELLO role of a zygote's control connection. */
    public static final int ROLE_CONTROL = 1;
    /** HELLO role of a worker thread's slot connection. */
    public static final int ROLE_SLOT = 2;
    /** HELLO role of a mule's connection (worker_id = mule id). */
    public static final int ROLE_MULE = 3;
    /** HELLO role of a process's uwsgi API connection (signals, timers, mule messages). */
    public static final int ROLE_API = 4;
    /** A zygote's one-off connection that receives the uwsgi sockets to serve directly. */
    public static final int ROLE_LISTENERS = 5;
    /** Zygote children with ids from here on are mules (id - MULE_ID_BASE) in SPAWNED, EXITED and LOG. */
    public static final int MULE_ID_BASE = 0x10000;

    private FrameType() {
    }

    /** True for the type bytes this protocol defines. */
    public static boolean isKnown(int type) {
        return switch (type) {
            case HELLO, REQUEST, BODY, BODY_END, FILE_OPENED, ABORT, RESPONSE_HEAD, RESPONSE_BODY, RESPONSE_END, SENDFILE,
                 SPAWN, SIGNAL, SHUTDOWN, SPAWN_MULE, READY, LOAD_FAILED, SPAWNED, EXITED, LOG,
                 REGISTER_SIGNAL, ADD_TIMER, ADD_CRON, RAISE_SIGNAL, MULE_MSG, MULE_MESSAGE, RUN_SIGNAL,
                 SIGNAL_DONE, SET_HARAKIRI, DIRECT, DIRECT_STOP, LISTENERS, DIRECT_LOG -> true;
            default -> false;
        };
    }
}
