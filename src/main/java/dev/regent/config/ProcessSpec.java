package dev.regent.config;

/**
 * Process names and the identity the Python processes run as.
 *
 * <p>Names follow uWSGI: with {@code auto-procname} (implied by every other procname option)
 * the master is "regent master", the zygote "regent zygote" and workers "regent worker N";
 * {@code procname-prefix} is glued on without a space ({@code procname-prefix-spaced} adds
 * one), {@code procname-append} is added at the end, {@code procname} replaces the base name of
 * every process and {@code procname-master} the master's whole name. Linux keeps 15 bytes of a
 * process name ({@code comm}); longer names are cut.
 *
 * @param autoProcname   give processes readable names ({@code auto-procname})
 * @param prefix         text put before every name (already including the space of the spaced variant), or null
 * @param append         text put after every name ({@code procname-append}), or null
 * @param procname       base name of every process instead of "regent ..." ({@code procname}), or null
 * @param procnameMaster name of the master ({@code procname-master}), or null
 * @param uid            user (name or number) the zygote and workers switch to before importing the app, or null
 * @param gid            group (name or number) likewise, or null
 * @param umask          umask of the zygote and workers ({@code umask}, octal), or null to inherit
 * @param chroot         directory the zygote chroots into before importing the app ({@code chroot}), or null
 */
public record ProcessSpec(
        boolean autoProcname,
        String prefix,
        String append,
        String procname,
        String procnameMaster,
        String uid,
        String gid,
        Integer umask,
        String chroot) {

    /** No names, no identity change. */
    public static ProcessSpec defaults() {
        return new ProcessSpec(false, null, null, null, null, null, null, null, null);
    }

    /** True when processes are renamed at all (any procname option implies auto-procname, as in uWSGI). */
    public boolean naming() {
        return autoProcname || prefix != null || append != null || procname != null || procnameMaster != null;
    }

    /** The name for a process whose default base name is {@code base} ("regent worker 1"), or null when not renaming. */
    public String name(String base) {
        if (!naming()) {
            return null;
        }
        String core = procname != null ? procname : base;
        return (prefix == null ? "" : prefix) + core + (append == null ? "" : append);
    }

    /** The master's name, or null when not renaming. */
    public String masterName() {
        if (procnameMaster != null) {
            return procnameMaster;
        }
        return name("regent master");
    }
}
