package dev.regent.staticfiles;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StaticPathTest {

    /** Traversal and smuggling attempts: every one must be refused, none cleaned up into a path. */
    @ParameterizedTest
    @ValueSource(strings = {
        "/static/../secret.txt",
        "/static/..",
        "/../etc/passwd",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/secret.txt",
        "/static/.%2e/secret.txt",
        "/static/%2e./secret.txt",
        "/static/..%2fsecret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/%2f..%2fsecret.txt",
        "/static/..%5csecret.txt",
        "/static/..\\secret.txt",
        "/static/%5c..%5csecret.txt",
        "/static/%252e%252e/secret.txt",
        "/static/%252e%252e%252fsecret.txt",
        "/static/%25%32%65%25%32%65/secret.txt",
        "/static/%c0%ae%c0%ae/secret.txt",
        "/static/%c0%2e%c0%2e/secret.txt",
        "/static/%e0%80%ae%e0%80%ae/secret.txt",
        "/static/a.css%00.txt",
        "/static/a.css%00",
        "/static/%00/../secret.txt",
        "/static/%",
        "/static/%zz",
        "/static/%2",
        "/static/a/b/../../../secret.txt",
        "http://host/static/../secret.txt",
        "/static/.././secret.txt",
    })
    void traversalAttemptsAreRefused(String target) {
        assertThat(StaticPath.parse(target)).as(target).isInstanceOf(StaticPath.Refused.class);
    }

    @Test
    void plainPathsAreNormalized() {
        assertThat(StaticPath.parse("/static/css/base.css?v=1")).isEqualTo(
                new StaticPath.Clean("/static/css/base.css", "static/css/base.css", false));
        assertThat(StaticPath.parse("/static//./css/")).isEqualTo(
                new StaticPath.Clean("/static//./css/", "static/css", true));
        assertThat(StaticPath.parse("/caf%C3%A9.txt")).isEqualTo(new StaticPath.Clean("/caf%C3%A9.txt", "café.txt", false));
        assertThat(StaticPath.parse("/100%25.txt")).isEqualTo(new StaticPath.Clean("/100%25.txt", "100%.txt", false));
        assertThat(StaticPath.parse("/a/...b")).isInstanceOf(StaticPath.Clean.class);
        assertThat(StaticPath.parse("http://h:80/x.css")).isEqualTo(new StaticPath.Clean("/x.css", "x.css", false));
        assertThat(StaticPath.parse("*")).isInstanceOf(StaticPath.NotAPath.class);
    }

    @Test
    void rangesFollowRfc9110() {
        assertThat(Ranges.parse("bytes=0-9", 100)).containsExactly(0, 9);
        assertThat(Ranges.parse("bytes=90-", 100)).containsExactly(90, 99);
        assertThat(Ranges.parse("bytes=-10", 100)).containsExactly(90, 99);
        assertThat(Ranges.parse("bytes=-500", 100)).containsExactly(0, 99);
        assertThat(Ranges.parse("bytes=50-5000", 100)).containsExactly(50, 99);
        assertThat(Ranges.parse("bytes=100-", 100)).isSameAs(Ranges.UNSATISFIABLE);
        assertThat(Ranges.parse("bytes=-0", 100)).isSameAs(Ranges.UNSATISFIABLE);
        assertThat(Ranges.parse("bytes=0-1,5-6", 100)).isNull();
        assertThat(Ranges.parse("bytes=9-1", 100)).isNull();
        assertThat(Ranges.parse("items=0-1", 100)).isNull();
        assertThat(Ranges.parse("bytes=a-b", 100)).isNull();
    }
}
