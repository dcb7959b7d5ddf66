package dev.regent.it.emperor;

import dev.regent.testkit.HttpConnection;
import dev.regent.testkit.HttpResponse;
import dev.regent.testkit.ProcessTree;
import dev.regent.testkit.Signals;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An emperor JVM started by a test: {@code --emperor DIR --emperor-freq 1}, emperor-http and
 * emperor-stats on port 0 (the ports are read from its log), every Python process tagged with a
 * marker so that leftovers are found after it exits.
 */
final class EmperorProcess implements AutoCloseable {
    static final String PYTHON = "/usr/bin/python3";
    private static final Pattern HTTP = Pattern.compile("routing by Host: serving http on [^ ]*:(\\d+)");
    private static final Pattern STATS = Pattern.compile("stats on [^ ]*:(\\d+)");

    private final Process process;
    private final Path log;
    private final ProcessTree tree;
    private int httpPort;
    private int statsPort;

    private EmperorProcess(Process process, Path log, ProcessTree tree) {
        this.process = process;
        this.log = log;
        this.tree = tree;
    }

    static EmperorProcess start(Path vassals, String... extra) throws Exception {
        String marker = UUID.randomUUID().toString();
        Path log = Files.createTempFile("regent-emperor-", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.regent.Main",
                "--emperor", vassals.toString(), "--emperor-freq", "1", "--emperor-http", "127.0.0.1:0",
                "--emperor-stats", "127.0.0.1:0"));
        command.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put(ProcessTree.MARKER_VARIABLE, marker);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        EmperorProcess e = new EmperorProcess(pb.start(), log, new ProcessTree(marker));
        e.httpPort = Integer.parseInt(e.awaitLog(HTTP).group(1));
        e.statsPort = Integer.parseInt(e.awaitLog(STATS).group(1));
        return e;
    }

    private Matcher awaitLog(Pattern p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Matcher m = p.matcher(log());
            if (m.find()) {
                return m;
            }
            if (!process.isAlive()) {
                throw new AssertionError("the emperor exited with " + process.exitValue() + ":\n" + log());
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + p + " in the log:\n" + log());
    }

    String log() {
        try {
            return Files.readString(log, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(unreadable log: " + e + ")";
        }
    }

    long pid() {
        return process.pid();
    }

    /** GET / with this Host on emperor-http, on a fresh connection. */
    HttpResponse get(String host) throws IOException {
        return HttpConnection.exchange(httpPort, "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    }

    /** Retries GET until the response satisfies {@code ok}; returns it, or fails with the last one and the log. */
    HttpResponse awaitResponse(String host, Predicate<HttpResponse> ok, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = get(host);
                if (ok.test(last)) {
                    return last;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no matching response from " + host + " within " + timeout + "; last: " + last
                + "\nlog:\n" + log());
    }

    /** The emperor-stats document. */
    String stats() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", statsPort), 5000);
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The JSON object of vassal {@code id} in the stats (flat: no nested objects but the domains list). */
    String vassal(String id) throws IOException {
        String doc = stats();
        int at = doc.indexOf("{\"id\":\"" + id + "\"");
        if (at < 0) {
            return null;
        }
        return doc.substring(at, doc.indexOf('}', at) + 1);
    }

    String awaitVassal(String id, Predicate<String> ok, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            last = vassal(id);
            if (last != null && ok.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("vassal " + id + " never matched; last: " + last + "\nlog:\n" + log());
    }

    /** SIGTERM, then the exit status; fails when it takes longer than 30 s. */
    int stop() throws Exception {
        Signals.send("TERM", process.pid());
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the emperor did not stop within 30 s:\n" + log());
        }
        return process.exitValue();
    }

    /** Processes the emperor started that are still present. */
    List<String> leftovers() throws InterruptedException {
        return tree.awaitGone(5000);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (long pid : tree.seen()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** Samples the emperor's descendants (for leftovers) — call now and then while it runs. */
    void sample() {
        tree.sample(process.toHandle());
    }
}
