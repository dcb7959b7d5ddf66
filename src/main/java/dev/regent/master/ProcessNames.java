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
import java.nio.file.LinkOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

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
 * worker socket and the files in the master's private runtime directory, so that directory and
 * everything in it are handed to that user (and group).
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
        // The directory stays the master's, only traversable by others: were it the workers' user's,
        // a compromised worker could swap the Python package that the next reload's zygote imports
        // while still root. The package stays root's and read-only; what the workers must open
        // (the socket, and the uwsgi API's lock and cache files) becomes theirs.
        Files.setPosixFilePermissions(dir.root(), PosixFilePermissions.fromString("rwx--x--x"));
        List<Path> all;
        try (Stream<Path> walk = Files.walk(dir.root())) {
            all = walk.filter(p -> !p.equals(dir.root()) && !p.startsWith(dir.pythonDir())).toList();
        }
        for (Path p : all) {
            PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (user != null) {
                view.setOwner(user);
            }
            if (group != null) {
                view.setGroup(group);
            }
            if (user == null) {
                // Only a group: the group gets the owner's rights.
                Set<PosixFilePermission> perms = EnumSet.copyOf(view.readAttributes().permissions());
                addGroupRights(perms);
                view.setPermissions(perms);
            }
        }
    }

    private static void addGroupRights(Set<PosixFilePermission> perms) {
        if (perms.contains(PosixFilePermission.OWNER_READ)) {
            perms.add(PosixFilePermission.GROUP_READ);
        }
        if (perms.contains(PosixFilePermission.OWNER_WRITE)) {
            perms.add(PosixFilePermission.GROUP_WRITE);
        }
        if (perms.contains(PosixFilePermission.OWNER_EXECUTE)) {
            perms.add(PosixFilePermission.GROUP_EXECUTE);
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
