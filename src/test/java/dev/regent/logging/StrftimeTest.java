package dev.regent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;

class StrftimeTest {
    private static final ZonedDateTime T = ZonedDateTime.of(2026, 3, 7, 14, 5, 9, 0, ZoneOffset.ofHoursMinutes(-5, -30));

    @Test
    void conversions() {
        assertThat(Strftime.compile("%a %A %b %B %h %C %d %e %H %k %I %l %j %m %M %p %S %u %w %y %Y %z").format(T))
                .isEqualTo("Sat Saturday Mar March Mar 20 07  7 14 14 02  2 066 03 05 PM 09 6 6 26 2026 -0530");
        assertThat(Strftime.compile("%F %T %R %D %s").format(T))
                .isEqualTo("2026-03-07 14:05:09 14:05 03/07/26 " + T.toEpochSecond());
        assertThat(Strftime.compile("%c").format(T)).isEqualTo("Sat Mar  7 14:05:09 2026");
    }

    @Test
    void literalsAndUnknownConversions() {
        assertThat(Strftime.compile("x %% %Q %").format(T)).isEqualTo("x % %Q %");
        assertThat(Strftime.compile("a%nb%tc").format(T)).isEqualTo("a\nb\tc");
    }

    @Test
    void ctimeAndLtime() {
        assertThat(Strftime.CTIME.format(T)).isEqualTo("Sat Mar  7 14:05:09 2026");
        assertThat(Strftime.LTIME.format(T)).isEqualTo("07/Mar/2026:14:05:09 -0530");
    }
}
