package dev.regent.config;

import java.util.List;

/**
 * Static files served by the master (docs/static-files.md).
 *
 * @param checkStatic   {@code check-static} directories: any request path may name a file in them
 * @param staticMap     {@code static-map} entries, {@code /mount=docroot} (the mount is removed)
 * @param staticMap2    {@code static-map2} entries, {@code /mount=docroot} (the mount is kept)
 * @param index         {@code static-index} file names tried for a directory
 * @param expires       {@code static-expires} entries, {@code REGEXP SECONDS} on the file path
 * @param expiresUri    {@code static-expires-uri} entries, {@code REGEXP SECONDS} on the request URI
 * @param expiresType   {@code static-expires-type} entries, {@code TYPE=SECONDS}
 * @param skipExt       {@code static-skip-ext} extensions never served statically
 * @param safe          {@code static-safe} directories files may resolve into outside their docroot
 * @param mimefile      {@code mimefile}, the mime.types file
 */
public record StaticSpec(List<String> checkStatic, List<String> staticMap, List<String> staticMap2,
                         List<String> index, List<String> expires, List<String> expiresUri,
                         List<String> expiresType, List<String> skipExt, List<String> safe, String mimefile) {

    public StaticSpec {
        checkStatic = List.copyOf(checkStatic);
        staticMap = List.copyOf(staticMap);
        staticMap2 = List.copyOf(staticMap2);
        index = List.copyOf(index);
        expires = List.copyOf(expires);
        expiresUri = List.copyOf(expiresUri);
        expiresType = List.copyOf(expiresType);
        skipExt = List.copyOf(skipExt);
        safe = List.copyOf(safe);
    }

    /** True when no static option is set: the master never looks at the file system for requests. */
    public boolean off() {
        return checkStatic.isEmpty() && staticMap.isEmpty() && staticMap2.isEmpty();
    }

    public static StaticSpec none() {
        return new StaticSpec(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(), "/etc/mime.types");
    }
}
