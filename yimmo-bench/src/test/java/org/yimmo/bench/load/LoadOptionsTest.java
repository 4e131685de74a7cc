package org.yimmo.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    private static String refusal(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LoadGenerator.run(args, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status, err.toString(StandardCharsets.UTF_8));
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldNameTheOptionTheValueAndWhatWasExpected() {
        String text = refusal("-c", "abc", "http://127.0.0.1:1/");
        assertTrue(text.contains("-c") && text.contains("'abc'") && text.contains("integer >= 1"), text);
        text = refusal("--rate", "-5", "http://127.0.0.1:1/");
        assertTrue(text.contains("--rate") && text.contains("'-5'") && text.contains("number >= 0"), text);
        text = refusal("--mix", "get:80,put:20", "http://127.0.0.1:1/");
        assertTrue(text.contains("--mix") && text.contains("get:80,put:20"), text);
        text = refusal("-t", "4", "-c", "2", "http://127.0.0.1:1/");
        assertTrue(text.contains("--threads") && text.contains("4"), text);
        text = refusal("ftp://example/");
        assertTrue(text.contains("ftp://example/") && text.contains("http://HOST"), text);
        text = refusal("--reactor", "nope", "-d", "0.1", "http://127.0.0.1:1/");
        assertTrue(text.contains("--reactor") && text.contains("nope"), text);
        text = refusal("--pipeline");
        assertTrue(text.contains("--pipeline needs a value"), text);
    }

    @Test
    void shouldParseAUrlAndAMix() throws Exception {
        LoadOptions options = LoadOptions.parse(new String[] {"-c", "4", "-t", "2", "--mix", "get:80,post:20",
            "--body-size", "3", "http://localhost:8080/a/b?q=1"});
        assertEquals("localhost", options.host());
        assertEquals(8080, options.port());
        assertEquals("/a/b?q=1", options.target());
        assertEquals(2, options.mix().size());
        assertEquals("POST", options.mix().get(1).method());
        assertEquals(3, options.mix().get(1).body().length);
        RequestTemplate template = new RequestTemplate(options);
        assertEquals(5, template.cycleLength());
        int posts = 0;
        for (int i = 0; i < 5; i++) {
            posts += template.kindAt(i);
        }
        assertEquals(1, posts);
    }
}
