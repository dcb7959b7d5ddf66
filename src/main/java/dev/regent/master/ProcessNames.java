package dev.regent.master;

import dev.regent.config.ProcessSpec;
import dev.regent.logging.RequestLog;
import dev.regent.platform.RuntimeDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Arrays;

/**
 * The master's side of {@code procname-master}/{@code auto-procname} and of {@code uid}/{@code gid}.
 *
 * <p>Process names: Linux shows a process's {@code comm} (15 bytes) in {@code ps -o comm},
 * {@code top} and {@code pgrep}. A JVM cannot rewrite its command line ({@code ps aux}, which
 * reads /proc/PID/cmdline) because the launcher's argv memory is out of Java's reach, but any
 * thread may write the main thread's comm through /proc/self/comm; that is what the master does.
 *
 * <p>Identity: the Python processes drop to {@code uid}/{@code gid} before importing the app while
 * the master stays as started (root, to bind privileged ports). They still have to reach the
 * worker socket in the master's private runtime directory, so that directory and the socket are
 * handed to that user (and group).
 */
public final class ProcessNames {
    private static final int COMM_MAX = 15;

    private ProcessNames() {
    }

    /** Names the master when a procname option asks for it; logs (and goes on) when Linux refuses. */
    public static void nameMaster(ProcessSpec spec, RequestLog.Logger log) {
        String name = spec.masterName();
        if (name == null) {
            return;
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        try {
            Files.write(Path.of("/proc/self/comm"), Arrays.copyOf(bytes, Math.min(bytes.length, COMM_MAX)));
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("cannot name the master \"" + name + "\": " + e.getMessage());
        }
    }

    /** Gives the runtime directory and the worker socket to {@code uid}/{@code gid} when they are set. */
    public static void grantRuntimeDir(ProcessSpec spec, RuntimeDir dir) throws IOException {
        if (spec.uid() == null && spec.gid() == null) {
            return;
        }
        UserPrincipalLookupService users = dir.root().getFileSystem().getUserPrincipalLookupService();
        // Numbers are accepted too: the lookup falls back to a numeric id when no name matches.
        UserPrincipal user = spec.uid() == null ? null : lookupUser(users, spec.uid());
        GroupPrincipal group = spec.gid() == null ? null : lookupGroup(users, spec.gid());
        for (Path p : new Path[] {dir.root(), dir.masterSocket()}) {
            PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
            if (user != null) {
                view.setOwner(user);
            }
            if (group != null) {
                view.setGroup(group);
            }
        }
        if (user == null) {
            // Only a group: the group must be able to enter the directory and connect.
            Files.setPosixFilePermissions(dir.root(), PosixFilePermissions.fromString("rwxrwx---"));
            Files.setPosixFilePermissions(dir.masterSocket(), PosixFilePermissions.fromString("rw-rw----"));
        } else {
            Files.setPosixFilePermissions(dir.masterSocket(), PosixFilePermissions.fromString("rw-------"));
        }
    }

    private static UserPrincipal lookupUser(UserPrincipalLookupService users, String name) throws IOException {
        try {
            return users.lookupPrincipalByName(name);
        } catch (IOException e) {
            throw new IOException("uid: " + name + " (expected: a user name or number known to this system)", e);
        }
    }

    private static GroupPrincipal lookupGroup(UserPrincipalLookupService users, String name) throws IOException {
        try {
            return users.lookupPrincipalByGroupName(name);
        } catch (IOException e) {
            throw new IOException("gid: " + name + " (expected: a group name or number known to this system)", e);
        }
    }
}
