package dev.regent.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Options from the environment: {@code UWSGI_FOO_BAR=v} and {@code REGENT_FOO_BAR=v} both mean
 * {@code foo-bar = v}. Variables uWSGI sets for its own children are skipped, so a Regent started
 * from a uWSGI emperor does not trip over them. Sorted by name, so the order is reproducible.
 */
final class EnvSource {

    private static final List<String> PREFIXES = List.of("UWSGI_", "REGENT_");
    /** Variables that carry process state, not configuration. */
    static final Set<String> INTERNAL = Set.of("UWSGI_RELOADS", "UWSGI_VASSALS_DIR", "UWSGI_EMPEROR_FD",
            "UWSGI_BROODLORD_NUM", "UWSGI_EMPEROR_FD_CONFIG", "UWSGI_EMPEROR_PROXY", "UWSGI_JAIL_PID",
            "UWSGI_ORIGINAL_PROC_NAME");

    private EnvSource() {
    }

    static List<Entry> entries(Map<String, String> env) {
        return env.entrySet().stream()
                .filter(e -> PREFIXES.stream().anyMatch(p -> e.getKey().startsWith(p) && e.getKey().length() > p.length()))
                .filter(e -> !INTERNAL.contains(e.getKey()))
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new Entry(optionName(e.getKey()), e.getValue(), Source.environment(e.getKey())))
                .toList();
    }

    private static String optionName(String variable) {
        String rest = variable.substring(variable.indexOf('_') + 1);
        return rest.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
