package dev.regent.platform;

import java.util.List;
import java.util.function.Consumer;

/**
 * The only user of {@code sun.misc.Signal}. Handlers do nothing but pass the signal's name on
 * (to the master's event queue).
 *
 * <p>Two signals cannot be handled in the JVM, so {@code bin/regent} translates them:
 * SIGQUIT (HotSpot prints thread dumps) becomes SIGPWR, reported here as {@code "PWR"};
 * SIGUSR2 (HotSpot suspends threads with it for profiling; a Java handler would break that)
 * becomes SIGTTIN, reported here as {@code "USR2"}.
 */
@SuppressWarnings("sunapi")
public final class PosixSignals {
    /** The signals the master acts on. */
    public static final List<String> HANDLED = List.of("HUP", "INT", "TERM", "PWR", "USR1", "TTIN", "TSTP", "WINCH");

    private PosixSignals() {
    }

    public static void install(Consumer<String> sink) {
        for (String name : HANDLED) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name),
                        sig -> sink.accept("TTIN".equals(sig.getName()) ? "USR2" : sig.getName()));
            } catch (IllegalArgumentException e) {
                // Ignored at startup (nohup-style) or reserved by the VM: nothing to install.
            }
        }
    }
}
