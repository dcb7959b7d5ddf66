package dev.regent.it;

import dev.regent.testkit.RegentProcess;
import dev.regent.testkit.RegentProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** need-app: an app that cannot be imported stops the master quickly, with the traceback. */
class BrokenAppTest {
    @RegisterExtension
    final RegentProcesses regents = new RegentProcesses();

    @Test
    void anAppWithASyntaxErrorMakesTheMasterExitNonZeroWithinTenSecondsShowingTheTraceback() throws Exception {
        RegentProcess regent = regents.start(RegentProcess.builder().app("broken.py").noWait());
        int status = regent.awaitExit(Duration.ofSeconds(10));
        assertThat(status).isNotZero();
        assertThat(regent.log()).contains("SyntaxError").contains("broken.py");
    }
}
