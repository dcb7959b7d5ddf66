package dev.regent.config;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The one table of options: every loader, {@code --help}, docs/options.md and strict checking
 * read it. The rows live in {@link ServerOptions}, {@link CheaperOptions}, {@link AppOptions}, {@link PlannedOptions}
 * and {@link ConfigOptions}; an option's {@link Option.Status} is set on its row.
 */
public final class OptionTable {

    private static final List<Option> ALL = Stream.of(ServerOptions.all(), CheaperOptions.all(), AppOptions.all(),
            ConfigOptions.all(), ObservabilityOptions.all(), ApiOptions.all(), EmperorOptions.all(),
            PlannedOptions.all()).flatMap(List::stream).toList();
    private static final Map<String, Option> BY_NAME = index();

    private OptionTable() {
    }

    private static Map<String, Option> index() {
        Map<String, Option> byName = new HashMap<>();
        for (Option o : ALL) {
            for (String n : o.names()) {
                if (byName.put(n, o) != null) {
                    throw new IllegalStateException("option name used twice: " + n);
                }
            }
            if (o.shortFlag() != 0 && byName.put("-" + o.shortFlag(), o) != null) {
                throw new IllegalStateException("short flag used twice: -" + o.shortFlag());
            }
        }
        return Map.copyOf(byName);
    }

    /** Every option, grouped by area in table order. */
    public static List<Option> all() {
        return ALL;
    }

    /**
     * The option called {@code name} (canonical or alias). Underscores count as dashes, as in
     * uWSGI, so {@code max_requests} finds {@code max-requests}.
     */
    public static Optional<Option> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name.toLowerCase(Locale.ROOT).replace('_', '-')));
    }

    /** The option with this single-letter flag. */
    public static Optional<Option> findShort(char letter) {
        return Optional.ofNullable(BY_NAME.get("-" + letter));
    }

    /** The known name closest to {@code unknown} by edit distance, if any is close enough to be a likely typo. */
    public static Optional<String> closest(String unknown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String n : BY_NAME.keySet()) {
            if (n.startsWith("-")) {
                continue;
            }
            int d = distance(unknown.toLowerCase(Locale.ROOT), n);
            if (d < bestDistance || (d == bestDistance && n.compareTo(best) < 0)) {
                best = n;
                bestDistance = d;
            }
        }
        int allowed = Math.max(2, unknown.length() / 3);
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** Optimal-string-alignment distance: an adjacent swap counts as one edit, the commonest typo. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
