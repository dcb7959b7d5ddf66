package dev.regent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/options.md is generated from the option table and must not go stale. */
class OptionsDocTest {

    static final Path DOC = Path.of("docs/options.md");
    static final String REGENERATE =
            "mvn test -Dtest=OptionsDocTest -Dregent.updateDocs=true (or: regent --options-markdown > docs/options.md)";

    @Test
    void optionsPageIsUpToDate() throws IOException {
        String generated = OptionsMarkdown.render();
        if (Boolean.getBoolean("regent.updateDocs")) {
            Files.writeString(DOC, generated, StandardCharsets.UTF_8);
        }
        String committed = Files.exists(DOC) ? Files.readString(DOC, StandardCharsets.UTF_8) : "";
        assertThat(committed).as("docs/options.md is stale; run " + REGENERATE + " to regenerate")
                .isEqualTo(generated);
    }

    @Test
    void everyOptionHasHelpAndAnArea() {
        for (Option o : OptionTable.all()) {
            assertThat(o.help()).as(o.name()).isNotBlank();
            assertThat(o.area()).as(o.name()).isNotBlank();
        }
    }
}
