package dev.regent.platform;

import java.util.List;
import java.util.function.Consumer;

/**
 * The only user of {@code sun.misc.Signal}. Handlers do nothing but pass the signal's name on
 * (to the master's event queue).
 *
 * <p>SIGQUIT cannot be handled in HotSpot (it prints thread dumps); {@code bin/regent} turns a
 * SIGQUIT it receives into SIGPWR, which arrives here as {@code "PWR"}.
 */
@SuppressWarnings("sunapi")
public final class PosixSignals {
    /** The signals the master acts on. */
    public static final List<String> HANDLED = List.of("HUP", "INT", "TERM", "PWR", "USR1", "USR2", "TSTP", "WINCH");

    private PosixSignals() {
    }

    public static void install(Consumer<String> sink) {
        for (String name : HANDLED) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> sink.accept(sig.getName()));
            } catch (IllegalArgumentException e) {
                // Ignored at startup (nohup-style) or reserved by the VM: nothing to install.
            }
        }
    }
}
