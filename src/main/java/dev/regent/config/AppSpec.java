package dev.regent.config;

import java.util.List;
import java.util.Map;

/**
 * How to find and import the WSGI application, and the interpreter that runs it.
 *
 * @param python     interpreter path or name ({@code python}, default {@code python3})
 * @param module     {@code module[:callable]} ({@code module}, {@code wsgi}, {@code -w}), or null
 * @param wsgiFile   path of a file to import ({@code wsgi-file}, {@code file}), or null
 * @param callable   default callable name ({@code callable}, default {@code application})
 * @param chdir      directory to change to before importing ({@code chdir}), or null
 * @param pythonpath entries put in front of {@code sys.path} ({@code pythonpath}, {@code pp})
 * @param home       virtualenv directory ({@code home}, {@code virtualenv}, {@code venv}, {@code -H}), or null
 * @param env        environment variables for the Python processes ({@code env K=V})
 * @param lazyApps   import the app in each worker instead of once in the zygote ({@code lazy-apps})
 * @param needApp    a failed import stops startup ({@code need-app}, default on)
 */
public record AppSpec(
        String python,
        String module,
        String wsgiFile,
        String callable,
        String chdir,
        List<String> pythonpath,
        String home,
        Map<String, String> env,
        boolean lazyApps,
        boolean needApp) {

    public AppSpec {
        pythonpath = List.copyOf(pythonpath);
        env = Map.copyOf(env);
    }
}
