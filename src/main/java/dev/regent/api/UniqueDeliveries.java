package dev.regent.api;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Which deliveries of a signal are still running, for the signals of {@code unique} timers and
 * crons: such a signal is not delivered again to a place (a worker pool, a worker, a mule) where
 * its previous delivery has not finished, so a slow handler never runs twice at once or piles
 * up a queue of runs behind itself. A place is a string: the target for single-delivery targets
 * ("" any worker, "worker3", "mule", "farm_x"), "worker&lt;id&gt;"/"mule&lt;id&gt;" per member for
 * fan-out targets. Runs on the master's I/O loop only, so nothing here is locked.
 */
final class UniqueDeliveries {
    private final Set<Integer> unique = new HashSet<>();
    private final Map<Integer, Set<String>> running = new HashMap<>();

    /** Signal {@code n} belongs to a unique timer or cron from now on. */
    void markUnique(int n) {
        unique.add(n);
    }

    boolean isUnique(int n) {
        return unique.contains(n);
    }

    /**
     * Claims {@code place} for a delivery of {@code n}: true if the delivery may go ahead (the
     * signal is not unique, or nothing of it runs there), false to skip it.
     */
    boolean begin(int n, String place) {
        if (!unique.contains(n)) {
            return true;
        }
        return running.computeIfAbsent(n, k -> new HashSet<>()).add(place);
    }

    /** The delivery of {@code n} at {@code place} finished (ran, failed, or its process died). */
    void end(int n, String place) {
        Set<String> places = running.get(n);
        if (places != null && places.remove(place) && places.isEmpty()) {
            running.remove(n);
        }
    }

    /** Everything at {@code place} ended (the process is gone). */
    void endAll(String place) {
        for (Iterator<Set<String>> it = running.values().iterator(); it.hasNext(); ) {
            Set<String> places = it.next();
            places.remove(place);
            if (places.isEmpty()) {
                it.remove();
            }
        }
    }

    boolean running(int n, String place) {
        Set<String> places = running.get(n);
        return places != null && places.contains(place);
    }
}
