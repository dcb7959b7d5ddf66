package dev.regent.platform;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The master's private directory (mode 0700): the worker-channel socket and the Python package
 * unpacked from the jar. Removed when the master exits.
 */
public final class RuntimeDir implements AutoCloseable {
    private final Path root;

    private RuntimeDir(Path root) {
        this.root = root;
    }

    public static RuntimeDir create() throws IOException {
        String base = System.getenv("XDG_RUNTIME_DIR");
        Path parent = base != null && Files.isDirectory(Path.of(base)) ? Path.of(base)
                : Path.of(System.getProperty("java.io.tmpdir"));
        Path root = Files.createTempDirectory(parent, "regent-" + ProcessHandle.current().pid() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        RuntimeDir dir = new RuntimeDir(root);
        dir.unpackPython();
        return dir;
    }

    public Path root() {
        return root;
    }

    public Path pythonDir() {
        return root.resolve("python");
    }

    public Path masterSocket() {
        return root.resolve("master.sock");
    }

    private void unpackPython() throws IOException {
        Path source;
        try {
            source = Path.of(RuntimeDir.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the Regent jar", e);
        }
        if (Files.isDirectory(source)) {
            copyTree(source.resolve("python"), pythonDir());
            return;
        }
        try (JarFile jar = new JarFile(source.toFile())) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                if (!e.getName().startsWith("python/") || e.isDirectory()) {
                    continue;
                }
                Path target = root.resolve(e.getName()).normalize();
                if (!target.startsWith(root)) {
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = jar.getInputStream(e)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public void close() {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // A leftover private temp directory is harmless; the exit must not fail over it.
        }
    }
}
