# Sourced by bin/regent and bin/test: sets REGENT_JAVA to a java of version 21 or newer.
# Order: $JAVA_HOME, then every JDK under /usr/lib/jvm (newest first), then java on PATH.

regent_java_major() {
  # `java -version` prints e.g. `openjdk version "25.0.3" 2026-04-21`; "1.8.0" style means 8.
  local v
  v=$("$1" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n1)
  v=${v%%[.+-]*}
  [ "$v" = "1" ] && v=8
  case $v in ''|*[!0-9]*) echo 0 ;; *) echo "$v" ;; esac
}

regent_find_java() {
  local c
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  for c in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${c%/}/bin/java"); done
  c=$(command -v java 2>/dev/null) && candidates+=("$c")
  for c in "${candidates[@]}"; do
    if [ -x "$c" ] && [ "$(regent_java_major "$c")" -ge 21 ]; then
      REGENT_JAVA=$c
      REGENT_JAVA_HOME=$(cd "$(dirname "$c")/.." && pwd)
      return 0
    fi
  done
  echo "regent: no JDK 21 or newer found (looked at \$JAVA_HOME, /usr/lib/jvm/*, PATH); install one, e.g. apt-get install -y openjdk-21-jdk-headless" >&2
  return 1
}
