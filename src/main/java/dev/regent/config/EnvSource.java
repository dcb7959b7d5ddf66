package dev.regent.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Options from the environment: {@code UWSGI_FOO_BAR=v} and {@code REGENT_FOO_BAR=v} both mean
 * {@code foo-bar = v}. Variables uWSGI sets for its own children are skipped, so a Regent started
 * from a uWSGI emperor does not trip over them. {@code REGENT_*} is also the namespace of Regent's
 * launcher and worker plumbing ({@code REGENT_JAVA}, {@code REGENT_CONFIG} ...), so an unknown
 * {@code REGENT_*} name is only warned about, while an unknown {@code UWSGI_*} name is subject to
 * strict checking like any other key. Sorted by name, so the order is reproducible.
 */
final class EnvSource {

    private static final List<String> PREFIXES = List.of("UWSGI_", "REGENT_");
    /** Variables that carry process state, not configuration. */
    static final Set<String> INTERNAL = Set.of("UWSGI_RELOADS", "UWSGI_VASSALS_DIR", "UWSGI_EMPEROR_FD",
            "UWSGI_BROODLORD_NUM", "UWSGI_EMPEROR_FD_CONFIG", "UWSGI_EMPEROR_PROXY", "UWSGI_JAIL_PID",
            "UWSGI_ORIGINAL_PROC_NAME", "REGENT_CONFIG", "REGENT_JAVA", "REGENT_JAVA_HOME", "REGENT_JAVA_OPTS",
            "REGENT_CLASSPATH");

    private EnvSource() {
    }

    static List<Entry> entries(Map<String, String> env, List<String> warnings) {
        List<Entry> entries = new ArrayList<>();
        env.entrySet().stream()
                .filter(e -> PREFIXES.stream().anyMatch(p -> e.getKey().startsWith(p) && e.getKey().length() > p.length()))
                .filter(e -> !INTERNAL.contains(e.getKey()))
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> {
                    Entry entry = new Entry(optionName(e.getKey()), e.getValue(), Source.environment(e.getKey()));
                    if (e.getKey().startsWith("REGENT_") && OptionTable.find(entry.key()).isEmpty()) {
                        warnings.add(Messages.unknown(entry.key(), entry.key(), entry.source()) + " (ignored)");
                    } else {
                        entries.add(entry);
                    }
                });
        return entries;
    }

    private static String optionName(String variable) {
        String rest = variable.substring(variable.indexOf('_') + 1);
        return rest.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
