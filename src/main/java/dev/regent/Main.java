package dev.regent;

import dev.regent.config.ConfigLoader;
import dev.regent.config.EmperorConfig;
import dev.regent.config.LoadResult;
import dev.regent.config.ServerConfig;
import dev.regent.emperor.Emperor;
import io.netty.util.ResourceLeakDetector;

/** Entry point: resolve the configuration, then run one app instance (or an emperor of many) until it stops. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // Leak tracking records a stack trace per sampled buffer: a large per-request cost.
            // Tests turn it on with -Dio.netty.leakDetection.level=paranoid.
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        LoadResult result = ConfigLoader.load(args, System.getenv());
        int code;
        if (result instanceof LoadResult.Exit exit) {
            (exit.code() == 0 ? System.out : System.err).print(withNewline(exit.output()));
            code = exit.code();
        } else {
            ServerConfig config = ((LoadResult.Run) result).config();
            java.util.Optional<EmperorConfig.Spec> emperor = EmperorConfig.spec(config);
            code = emperor.isPresent() ? new Emperor(config, emperor.get()).run() : new Server(config).run();
        }
        System.out.flush();
        System.exit(code);
    }

    private static String withNewline(String s) {
        return s.isEmpty() || s.endsWith("\n") ? s : s + "\n";
    }
}
