package dev.regent.staticfiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Content types by file extension, read once at startup from a mime.types file (the format of
 * /etc/mime.types: a type, then its extensions; {@code #} comments). A few web types are built in
 * so that a system without the file still serves CSS and JavaScript correctly; the file wins.
 */
public final class MimeTypes {
    static final String DEFAULT = "application/octet-stream";
    private static final Map<String, String> BUILT_IN = Map.ofEntries(
            Map.entry("html", "text/html"), Map.entry("htm", "text/html"), Map.entry("css", "text/css"),
            Map.entry("js", "text/javascript"), Map.entry("mjs", "text/javascript"),
            Map.entry("json", "application/json"), Map.entry("map", "application/json"),
            Map.entry("txt", "text/plain"), Map.entry("xml", "application/xml"),
            Map.entry("svg", "image/svg+xml"), Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"), Map.entry("gif", "image/gif"), Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/vnd.microsoft.icon"), Map.entry("woff", "font/woff"),
            Map.entry("woff2", "font/woff2"), Map.entry("ttf", "font/ttf"), Map.entry("otf", "font/otf"),
            Map.entry("pdf", "application/pdf"), Map.entry("wasm", "application/wasm"),
            Map.entry("gz", "application/gzip"), Map.entry("zip", "application/zip"),
            Map.entry("mp4", "video/mp4"), Map.entry("webm", "video/webm"), Map.entry("mp3", "audio/mpeg"));

    private final Map<String, String> byExtension;

    private MimeTypes(Map<String, String> byExtension) {
        this.byExtension = byExtension;
    }

    /** The built-in types plus those of {@code file}; a missing file leaves only the built-in ones. */
    public static MimeTypes load(Path file) throws IOException {
        Map<String, String> map = new HashMap<>(BUILT_IN);
        if (file != null && Files.isReadable(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
                int hash = line.indexOf('#');
                String[] words = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
                for (int i = 1; i < words.length; i++) {
                    map.put(words[i].toLowerCase(Locale.ROOT), words[0]);
                }
            }
        }
        return new MimeTypes(Map.copyOf(map));
    }

    /** The type of a file name; text types get {@code charset=utf-8}, what Django's collectstatic writes. */
    public String of(String fileName) {
        int dot = fileName.lastIndexOf('.');
        String type = dot < 0 ? null : byExtension.get(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
        return type == null ? DEFAULT : type;
    }

    /** The Content-Type header value for {@code type}. */
    static String header(String type) {
        boolean text = type.startsWith("text/") || type.equals("application/javascript")
                || type.equals("application/json") || type.equals("image/svg+xml");
        return text ? type + "; charset=utf-8" : type;
    }
}
