package dev.regent.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Regent master running as a child process of the test JVM, on port 0, with its output in a
 * temp file. Start one with {@link #builder()}; {@link #start} returns once the master logged
 * the address it serves on.
 */
public final class RegentProcess implements AutoCloseable {
    public static final String PYTHON = "/usr/bin/python3";
    private static final Pattern SERVING = Pattern.compile("serving http on [^ ]*:(\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final Path logFile;
    private final ProcessTree tree;
    private final ScheduledExecutorService sampler;
    private int port;

    private RegentProcess(Process process, Path logFile, ProcessTree tree) {
        this.process = process;
        this.logFile = logFile;
        this.tree = tree;
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "regent-tree-sampler");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleWithFixedDelay(() -> tree.sample(process.toHandle()), 0, 50, TimeUnit.MILLISECONDS);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How to start a master: its arguments, JVM options, environment, and how it is launched. */
    public static final class Builder {
        private final List<String> args = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private final Map<String, String> env = new HashMap<>();
        private boolean launcher;
        private boolean awaitServing = true;

        /** Serves {@code src/test/resources/apps/<name>} with {@code --wsgi-file}. */
        public Builder app(String name) {
            return args("--wsgi-file", Apps.path(name).toString());
        }

        public Builder args(String... more) {
            args.addAll(Arrays.asList(more));
            return this;
        }

        public Builder jvmOptions(String... options) {
            jvmOptions.addAll(Arrays.asList(options));
            return this;
        }

        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** Starts through {@code bin/regent} (with REGENT_CLASSPATH) instead of {@code java} directly. */
        public Builder viaLauncher() {
            launcher = true;
            return this;
        }

        /** Returns as soon as the process runs, without waiting for the "serving" line. */
        public Builder noWait() {
            awaitServing = false;
            return this;
        }

        public RegentProcess start() throws IOException, InterruptedException {
            String marker = UUID.randomUUID().toString();
            Path log = Files.createTempFile("regent-it-", ".log");
            List<String> command = new ArrayList<>();
            ProcessBuilder pb = new ProcessBuilder(command);
            String classpath = System.getProperty("java.class.path");
            if (launcher) {
                command.add(Apps.projectRoot().resolve("bin/regent").toString());
                pb.environment().put("REGENT_CLASSPATH", classpath);
                pb.environment().put("REGENT_JAVA_OPTS", String.join(" ", jvmOptions));
            } else {
                command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                command.addAll(jvmOptions);
                command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", classpath, "dev.regent.Main"));
            }
            command.addAll(args);
            command.addAll(List.of("--http-socket", "127.0.0.1:0", "--python", PYTHON));
            pb.environment().putAll(env);
            pb.environment().put(ProcessTree.MARKER_VARIABLE, marker);
            pb.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
            RegentProcess regent = new RegentProcess(pb.start(), log, new ProcessTree(marker));
            if (awaitServing) {
                regent.awaitServing();
            }
            return regent;
        }
    }

    private void awaitServing() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = SERVING.matcher(log());
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("the master exited with status " + process.exitValue()
                        + " before serving; its output:\n" + log());
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no 'serving http on' line within " + START_TIMEOUT + "; output:\n" + log());
    }

    public int port() {
        if (port == 0) {
            throw new IllegalStateException("not serving (started with noWait?)");
        }
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public ProcessTree tree() {
        return tree;
    }

    /** Everything the master (and its Python processes) printed so far. */
    public String log() {
        try {
            return Files.readString(logFile, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Sends a signal ("TERM", "INT", "QUIT", "KILL", ...) to the master's (or launcher's) pid. */
    public void signal(String name) throws IOException, InterruptedException {
        Signals.send(name, process.pid());
    }

    /** Sends {@code signal} and waits for the exit; returns the exit status. */
    public int stop(String signal, Duration timeout) throws IOException, InterruptedException {
        signal(signal);
        return awaitExit(timeout);
    }

    /** Waits for the process to exit; fails (with the log) when it does not within {@code timeout}. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the master did not exit within " + timeout + "; output:\n" + log());
        }
        tree.sample(process.toHandle());
        return process.exitValue();
    }

    /** Last resort after a failed test: kill the master and everything it started. */
    public void destroyAll() {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        for (long pid : tree.seen()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
