package dev.regent.worker;

import dev.regent.config.AppSpec;
import dev.regent.config.ProcessSpec;
import dev.regent.master.Event;
import dev.regent.protocol.worker.Frames;
import io.netty.channel.Channel;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One zygote process: imports the app once, then forks workers on command. The master talks to
 * it through its control channel once it has connected.
 */
public final class Zygote {
    private static final String BOOT =
            "import sys; sys.path.insert(0, sys.argv.pop(1)); from regent.__main__ import main; main()";

    private final int generation;
    private final Process process;
    private volatile Channel control;

    private Zygote(int generation, Process process) {
        this.generation = generation;
        this.process = process;
    }

    /**
     * Starts a zygote. Its stdout and stderr (what the app prints while importing) go to
     * {@code log} line by line; its exit becomes a {@link Event.ZygoteExited}.
     */
    public static Zygote start(int generation, AppSpec app, ProcessSpec names, int processes, int threads,
                               Path pythonDir, Path socket, String token, Consumer<Event> events,
                               Consumer<String> log) throws IOException {
        return start(generation, app, names, processes, threads, pythonDir, socket, token, events, log, null);
    }

    /** As above, with the {@code "uwsgi"} object of REGENT_CONFIG (caches, locks, mules: dev.regent.api). */
    public static Zygote start(int generation, AppSpec app, ProcessSpec names, int processes, int threads,
                               Path pythonDir, Path socket, String token, Consumer<Event> events,
                               Consumer<String> log, String uwsgiJson) throws IOException {
        return start(generation, app, names, processes, threads, pythonDir, socket, token, events, log, uwsgiJson,
                null);
    }

    /** As above; with a {@code scoreboard}, the workers serve the uwsgi sockets directly (dev.regent.dispatch.DirectServing). */
    public static Zygote start(int generation, AppSpec app, ProcessSpec names, int processes, int threads,
                               Path pythonDir, Path socket, String token, Consumer<Event> events,
                               Consumer<String> log, String uwsgiJson, Path scoreboard) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(List.of(app.python(), "-c", BOOT, pythonDir.toString()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(app.env());
        // A chrooted zygote cannot see the socket file; it gets the same server's abstract address.
        String address = names.chroot() != null ? WorkerChannelServer.chrootAddress(socket) : socket.toString();
        String config = withUwsgi(ZygoteConfig.json(address, token, generation, processes, threads, app, names),
                uwsgiJson);
        if (scoreboard != null) {
            config = withMember(config, "scoreboard", ZygoteConfig.quote(new StringBuilder(), scoreboard.toString())
                    .toString());
        }
        pb.environment().put("REGENT_CONFIG", config);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot start the Python interpreter \"" + app.python() + "\": " + e.getMessage(), e);
        }
        Zygote z = new Zygote(generation, process);
        pump(process.getInputStream(), log, "zygote " + generation + " stdout");
        pump(process.getErrorStream(), log, "zygote " + generation + " stderr");
        process.onExit().thenAccept(p -> events.accept(new Event.ZygoteExited(generation, p.exitValue())));
        return z;
    }

    private static void pump(InputStream in, Consumer<String> log, String name) {
        Thread.ofPlatform().daemon().name(name).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    log.accept(line);
                }
            } catch (IOException ignored) {
                // The zygote is gone; its exit is reported separately.
            }
        });
    }

    public int generation() {
        return generation;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public void connected(Channel channel) {
        this.control = channel;
    }

    public boolean connected() {
        return control != null && control.isActive();
    }

    /** Asks the zygote to fork worker {@code workerId}; false when it cannot be asked (not connected). */
    public boolean spawn(int workerId) {
        Channel ch = control;
        if (ch == null) {
            return false;
        }
        ch.writeAndFlush(Frames.spawn(ch.alloc(), workerId));
        return true;
    }

    /** Asks the zygote to fork mule {@code muleId} (it reports it as worker MULE_ID_BASE + id). */
    public void spawnMule(int muleId) {
        Channel ch = control;
        if (ch != null) {
            ch.writeAndFlush(Frames.spawnMule(ch.alloc(), muleId));
        }
    }

    /** Adds {@code "uwsgi": <json>} as the last member of the REGENT_CONFIG object. */
    private static String withUwsgi(String config, String uwsgiJson) {
        return uwsgiJson == null ? config : withMember(config, "uwsgi", uwsgiJson);
    }

    private static String withMember(String config, String name, String json) {
        int end = config.lastIndexOf('}');
        return config.substring(0, end) + ",\"" + name + "\":" + json + "}";
    }

    public void signal(long pid, int signal) {
        Channel ch = control;
        if (ch != null) {
            ch.writeAndFlush(Frames.signal(ch.alloc(), pid, signal));
        }
    }

    /** Asks the zygote to stop its workers (SIGTERM, or SIGKILL when {@code kill}) and exit. */
    public void shutdown(boolean kill) {
        Channel ch = control;
        if (ch != null && ch.isActive()) {
            ch.writeAndFlush(Frames.shutdown(ch.alloc(), kill));
        } else {
            process.destroy();
        }
    }

    /** Waits for the zygote to exit; kills it (and so, through the closed channel, its workers) after {@code millis}. */
    public void awaitExit(long millis) {
        try {
            if (!process.waitFor(millis, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
