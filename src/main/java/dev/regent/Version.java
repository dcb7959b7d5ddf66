package dev.regent;

/** The Regent version, as reported by {@code --version}, logs and stats. */
public final class Version {
    public static final String VERSION = "0.1.0";

    private Version() {
    }
}
