package dev.regent.worker;

import dev.regent.json.JsonString;
import dev.regent.config.AppSpec;
import dev.regent.config.ProcessSpec;

import java.util.List;

/**
 * The JSON document handed to a zygote in {@code REGENT_CONFIG} (see docs/worker-protocol.md).
 * Written by hand: it is one small object and the only JSON the master produces here.
 */
final class ZygoteConfig {

    private ZygoteConfig() {
    }

    static String json(String socket, String token, int generation, int processes, int threads, AppSpec app) {
        return json(socket, token, generation, processes, threads, app, ProcessSpec.defaults());
    }

    static String json(String socket, String token, int generation, int processes, int threads, AppSpec app,
                       ProcessSpec process) {
        StringBuilder sb = new StringBuilder(512);
        sb.append('{');
        field(sb, "socket", socket).append(',');
        field(sb, "token", token).append(',');
        sb.append("\"generation\":").append(generation).append(',');
        sb.append("\"processes\":").append(processes).append(',');
        sb.append("\"threads\":").append(threads).append(',');
        sb.append("\"app\":{");
        field(sb, "module", app.module()).append(',');
        field(sb, "wsgi_file", app.wsgiFile()).append(',');
        field(sb, "callable", app.callable()).append(',');
        field(sb, "chdir", app.chdir()).append(',');
        sb.append("\"pythonpath\":");
        list(sb, app.pythonpath()).append(',');
        field(sb, "home", app.home()).append(',');
        sb.append("\"lazy_apps\":").append(app.lazyApps()).append(',');
        // Identity and names: applied by the zygote before the app is imported.
        field(sb, "uid", process.uid()).append(',');
        field(sb, "gid", process.gid()).append(',');
        sb.append("\"umask\":").append(process.umask() == null ? "null" : process.umask().toString()).append(',');
        field(sb, "chroot", process.chroot()).append(',');
        field(sb, "zygote_name", process.name("regent zygote")).append(',');
        // "{id}" is replaced by the worker id; procname (one name for all) has no id in it.
        field(sb, "worker_name", process.name("regent worker {id}"));
        sb.append("}}");
        return sb.toString();
    }

    private static StringBuilder field(StringBuilder sb, String name, String value) {
        sb.append('"').append(name).append("\":");
        return value == null ? sb.append("null") : quote(sb, value);
    }

    private static StringBuilder list(StringBuilder sb, List<String> values) {
        sb.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            quote(sb, values.get(i));
        }
        return sb.append(']');
    }

    static StringBuilder quote(StringBuilder sb, String s) {
        return JsonString.quote(sb, s);
    }
}
