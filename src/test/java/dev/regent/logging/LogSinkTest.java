package dev.regent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** Rotation and reopening of the logto file, on the writer thread, without losing lines. */
class LogSinkTest {
    @TempDir
    Path dir;

    @Test
    void rotationUnderConcurrentWritersLosesNoLine() throws Exception {
        Path file = dir.resolve("app.log");
        int threads = 4;
        int perThread = 20_000;
        try (LogSink sink = new LogSink(file.toString(), 20_000, null)) {
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perThread; i++) {
                        sink.line("line " + id + " " + i);
                        if (i % 200 == 0) {
                            Thread.yield();
                        }
                    }
                }));
            }
            for (Thread w : writers) {
                w.join();
            }
        }
        List<Path> files = logFiles(file);
        assertThat(files.size()).isGreaterThan(3);
        Set<String> seen = new HashSet<>();
        int count = 0;
        long dropped = 0;
        for (Path f : files) {
            for (String l : Files.readAllLines(f)) {
                if (l.startsWith("line ")) {
                    count++;
                    seen.add(l);
                } else if (l.startsWith("*** log buffer full: ")) {
                    // the writers outran the disk: the bounded queue dropped these and said so
                    dropped += Long.parseLong(l.split(" ")[4]);
                }
            }
        }
        assertThat(seen).hasSize(count);
        assertThat(count + dropped).isEqualTo(threads * perThread);
        assertThat(count).isGreaterThan(threads * perThread / 2);
        for (Path f : files) {
            if (!f.equals(file)) {
                assertThat(Files.readString(f)).contains("triggering rotation to " + f);
                // rotation comes between batches (at most 64 KiB and a line past the limit)
                assertThat(Files.size(f)).isLessThan(20_000 + 70_000);
            }
        }
    }

    @Test
    void backupNameIsReplacedOnEachRotation() throws Exception {
        Path file = dir.resolve("b.log");
        Path backup = dir.resolve("b.old");
        try (LogSink sink = new LogSink(file.toString(), 0, backup.toString())) {
            sink.line("first");
            sink.rotate();
            sink.line("second");
            sink.rotate();
            sink.line("third");
        }
        assertThat(Files.readString(backup)).contains("second").doesNotContain("first");
        assertThat(Files.readAllLines(file)).containsExactly("third");
    }

    @Test
    void reopenFollowsTheNameAfterARename() throws Exception {
        Path file = dir.resolve("r.log");
        Path moved = dir.resolve("r.log.1");
        try (LogSink sink = new LogSink(file.toString())) {
            sink.line("before");
            awaitContains(file, "before");
            Files.move(file, moved);
            sink.line("still old");
            awaitContains(moved, "still old");
            sink.reopen();
            awaitContains(file, "reopened");
            sink.line("after");
        }
        assertThat(Files.readAllLines(moved)).containsExactly("before", "still old");
        assertThat(Files.readString(file)).contains("r.log reopened").endsWith("after\n");
    }

    @Test
    void newFileIsNotWorldReadable() throws Exception {
        Path file = dir.resolve("p.log");
        try (LogSink sink = new LogSink(file.toString())) {
            sink.line("x");
        }
        assertThat(Files.getPosixFilePermissions(file).toString()).doesNotContain("OTHERS");
    }

    private static List<Path> logFiles(Path file) throws IOException {
        try (Stream<Path> s = Files.list(file.getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith(file.getFileName().toString())).sorted()
                    .toList();
        }
    }

    private static void awaitContains(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError(file + " never contained " + text);
    }
}
