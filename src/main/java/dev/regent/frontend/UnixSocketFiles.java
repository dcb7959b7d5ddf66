package dev.regent.frontend;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.EnumSet;
import java.util.Set;

/**
 * The file side of Unix sockets bound on a path: clearing the way before bind, chmod and chown
 * after it ({@code chmod-socket}, {@code chown-socket}). Abstract sockets ({@code @name}) have
 * no file and never come here.
 */
final class UnixSocketFiles {
    /** st_mode file type bits (S_IFMT) and the socket type (S_IFSOCK), from sys/stat.h. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private UnixSocketFiles() {
    }

    /**
     * Makes {@code path} free to bind. Nothing there: fine. A socket nobody listens on (left by a
     * crashed or killed run): removed, as uWSGI does. A socket someone listens on: refused,
     * because binding would silently steal the path from a running server (Netty unlinks the
     * path before bind). Anything that is not a socket: refused, so a typo never deletes a file.
     */
    static void prepare(Path path, String name) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException("cannot bind " + name + ": the path exists and is not a socket");
        }
        if (listening(path)) {
            throw new IOException("cannot bind " + name + ": another process is listening on it"
                    + " (stop it first, or choose another path)");
        }
        Files.deleteIfExists(path);
    }

    private static boolean listening(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException e) {
            return false;  // ECONNREFUSED: a stale file from a run that did not clean up
        }
    }

    /**
     * Sets the socket file's mode. The socket is briefly reachable with the umask's mode before
     * this; uWSGI has the same window, and the umask is the tool for closing it.
     */
    static void chmod(Path path, int mode) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                perms.add(order[bit]);
            }
        }
        Files.setPosixFilePermissions(path, perms);
    }

    /**
     * {@code user[:group]}, each a name or a number (the JDK falls back to a number when no
     * name matches). Without a group only the owner changes, as in uWSGI's uwsgi_chown.
     */
    static void chown(Path path, String owner, String name) throws IOException {
        int colon = owner.indexOf(':');
        String user = colon < 0 ? owner : owner.substring(0, colon);
        String group = colon < 0 ? null : owner.substring(colon + 1);
        UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        try {
            if (!user.isEmpty()) {
                UserPrincipal u = lookup.lookupPrincipalByName(user);
                view.setOwner(u);
            }
            if (group != null && !group.isEmpty()) {
                GroupPrincipal g = lookup.lookupPrincipalByGroupName(group);
                view.setGroup(g);
            }
        } catch (UserPrincipalNotFoundException e) {
            throw new IOException("chown-socket: no such user or group: " + e.getName() + " (for " + name + ")");
        } catch (IOException e) {
            throw new IOException("chown-socket " + owner + " on " + name + ": " + e.getMessage(), e);
        }
    }

    /** The file's inode, or -1 when it cannot be read. */
    static long inode(Path path) {
        try {
            return ((Number) Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * vacuum: removes the socket file at exit, unless its inode changed since bind (then another
     * server owns the path now, and uWSGI leaves it alone too). Best effort: a leftover is
     * replaced on the next start.
     */
    static void remove(Path path, long boundInode) {
        if (boundInode != -1 && inode(path) != boundInode) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Nothing to do at exit; prepare() handles the stale file next time.
        }
    }
}
