package org.yimmo.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class HelpTextTest {

    private final List<String> help = HelpText.render("Usage: yimmo-wsgi [OPTIONS] WSGI_MODULE:WSGI_APP",
            CoreSettings.ALL, new CommandLineParser(CoreSettings.ALL).flags());
    private final String text = String.join("\n", help);

    @Test
    void shouldStartWithTheUsageLine() {
        assertEquals("Usage: yimmo-wsgi [OPTIONS] WSGI_MODULE:WSGI_APP", help.get(0));
    }

    @Test
    void shouldListEveryOptionWithItsShortForm() {
        for (Setting<?> setting : CoreSettings.ALL) {
            String names = setting.longOption().orElseThrow() + setting.shortOption().map(s -> ", " + s).orElse("");
            assertTrue(help.stream().anyMatch(line -> line.startsWith("  " + names + " " + setting.metavar())
                    && line.contains(" : " + setting.description())), names + " in\n" + text);
        }
        assertTrue(help.stream().anyMatch(line -> line.startsWith("  --help, -h ")
                && line.endsWith(" : Display usage info (this)")), text);
        assertTrue(help.stream().anyMatch(line -> line.startsWith("  --version ")), text);
        assertTrue(text.contains("(default 8081)"), text);
    }

    @Test
    void shouldListEveryEnvironmentVariable() {
        for (String variable : List.of("YIMMO_WSGI_CONFIG", "YIMMO_LOG_LEVEL", "YIMMO_WSGI_PORT", "YIMMO_WSGI_BIND",
                "YIMMO_SERVER_IDLE_TIMEOUT", "YIMMO_REACTOR", "YIMMO_WSGI_USE_KQUEUE")) {
            assertTrue(help.stream().anyMatch(line -> line.startsWith("  " + variable + " ")), variable + " in\n" + text);
        }
        assertTrue(help.indexOf("Environment Variables:") > help.indexOf("Options:"));
    }

    @Test
    void shouldAlignTheDescriptions() {
        int options = help.indexOf("Options:");
        int environment = help.indexOf("Environment Variables:");
        long columns = help.subList(options + 1, environment).stream().map(line -> line.indexOf(" : ")).distinct().count();
        assertEquals(1, columns, text);
    }

    @Test
    void shouldGiveThePrecedenceAndAYamlExample() {
        int precedence = help.indexOf("Configuration precedence (greatest to least):");
        assertEquals(List.of("  - command line parameters", "  - environment variables", "  - config files",
                "  - built-in defaults"), help.subList(precedence + 1, precedence + 5));
        int example = help.indexOf("# Config Example:");
        assertEquals(List.of("---", "log_level: INFO", "wsgi:", "  port: 8081", "  bind: 127.0.0.1",
                "  reactor: auto", "server:", "  idle_timeout: 5"), help.subList(example + 1, help.size()));
    }

    @Test
    void shouldQuoteExampleValuesThatYamlWouldReadDifferently() {
        Setting<String> motd = Setting.builder("motd", Parsers.string()).yaml("wsgi.motd").env("YIMMO_MOTD")
                .example("hello: world").description("d").build();

        List<String> lines = HelpText.render("Usage: x", List.of(motd), List.of());

        assertEquals("  motd: 'hello: world'", lines.get(lines.size() - 1));
    }
}
