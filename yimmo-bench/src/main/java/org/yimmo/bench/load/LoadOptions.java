package org.yimmo.bench.load;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The load generator's command line, parsed once into a frozen value. Every refusal names the
 * option, the value and what was expected, and ends the command with status 2.
 *
 * @param host       server address from the URL
 * @param port       server port from the URL (80 when absent)
 * @param target     request target: path and query ({@code /} when absent)
 * @param connections connections in all, split between the threads
 * @param threads    generator threads, each with its own reactor
 * @param durationNanos measured time
 * @param warmupNanos discarded time before it
 * @param rate       requests per second in all (open loop), 0 for closed loop
 * @param close      one connection per request
 * @param pipeline   requests in flight per connection
 * @param mix        request kinds with their weights, in the order given
 * @param timeoutNanos a response later than this counts as a timeout error
 * @param headers    extra request header lines, {@code Name: value}
 * @param hgrm       where to write the percentile distribution, or null
 * @param html       where to write the HTML report, or null
 * @param reactor    reactor backend name
 * @param commandLine the arguments as given, for the reports
 */
public record LoadOptions(String host, int port, String target, int connections, int threads, long durationNanos,
        long warmupNanos, double rate, boolean close, int pipeline, List<Kind> mix, long timeoutNanos,
        List<String> headers, Path hgrm, Path html, String reactor, String commandLine) {

    /** One kind of request in the mix: its method, body, and weight. */
    public record Kind(String method, byte[] body, int weight) {
    }

    /** A refused command line: the message for the user, and the exit status 2. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    public static final String USAGE = """
            Usage: LoadGenerator [options] URL
              URL                  http://HOST[:PORT][/PATH]
              -c, --connections N  connections (default 10); with --close, requests in flight
              -t, --threads N      threads, one reactor each (default 1; at most --connections)
              -d, --duration S     measured seconds (default 10; decimals allowed)
              -w, --warmup S       discarded seconds before the measurement (default 0)
              -R, --rate N         open loop: N requests/s in all, sent at fixed intervals on each
                                   connection; latency counted from the intended send time
                                   (default 0: closed loop, each connection as fast as it goes);
                                   give it -w: the generator's own start (class loading, JIT)
                                   delays the first requests, and the correction counts that too
                  --close          a new connection for every request
                  --pipeline N     requests in flight per connection (default 1)
                  --method M       request method (default GET)
                  --body-size N    request body of N bytes ('x'), with Content-Length
                  --body-file F    request body read from file F
                  --mix LIST       kinds by weight, e.g. get:80,post:20 (post carries the body)
                  --timeout S      a response later than this is a timeout error (default 2)
              -H, --header LINE    extra request header 'Name: value' (repeatable)
                  --hgrm FILE      write HdrHistogram's percentile distribution (ms) to FILE
                  --html FILE      write a self-contained HTML report to FILE
                  --reactor NAME   auto, select, epoll or kqueue (default auto)
              -h, --help           this text
            Progress goes to stderr once a second; the report to stdout.
            """;

    /** Parses {@code args}; null means help was asked for. */
    public static LoadOptions parse(String[] args) throws UsageException {
        String url = null;
        int connections = 10;
        int threads = 1;
        double duration = 10;
        double warmup = 0;
        double rate = 0;
        boolean close = false;
        int pipeline = 1;
        String method = "GET";
        byte[] body = null;
        String mixText = null;
        double timeout = 2;
        List<String> headers = new ArrayList<>();
        Path hgrm = null;
        Path html = null;
        String reactor = "auto";
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--close" -> close = true;
                case "-c", "--connections", "-t", "--threads", "-d", "--duration", "-w", "--warmup", "-R", "--rate",
                        "--pipeline", "--method", "--body-size", "--body-file", "--mix", "--timeout", "-H", "--header",
                        "--hgrm", "--html", "--reactor" -> {
                    if (i + 1 >= args.length) {
                        throw new UsageException("option " + arg + " needs a value");
                    }
                    String value = args[++i];
                    switch (arg) {
                        case "-c", "--connections" -> connections = integer(arg, value, 1);
                        case "-t", "--threads" -> threads = integer(arg, value, 1);
                        case "-d", "--duration" -> duration = decimal(arg, value, 0.001);
                        case "-w", "--warmup" -> warmup = decimal(arg, value, 0);
                        case "-R", "--rate" -> rate = decimal(arg, value, 0);
                        case "--pipeline" -> pipeline = integer(arg, value, 1);
                        case "--method" -> method = token(arg, value);
                        case "--body-size" -> body = "x".repeat(integer(arg, value, 0)).getBytes();
                        case "--body-file" -> body = readFile(arg, value);
                        case "--mix" -> mixText = value;
                        case "--timeout" -> timeout = decimal(arg, value, 0.001);
                        case "-H", "--header" -> headers.add(header(arg, value));
                        case "--hgrm" -> hgrm = Path.of(value);
                        case "--html" -> html = Path.of(value);
                        default -> reactor = value;
                    }
                }
                default -> {
                    if (arg.startsWith("-")) {
                        throw new UsageException("unknown option " + arg + " (see --help)");
                    }
                    if (url != null) {
                        throw new UsageException("one URL expected, got '" + url + "' and '" + arg + "'");
                    }
                    url = arg;
                }
            }
        }
        if (url == null) {
            throw new UsageException("a URL is needed (see --help)");
        }
        if (threads > connections) {
            throw new UsageException("option --threads: " + threads + " is more than --connections " + connections
                    + ": expected at most one thread per connection");
        }
        URI uri = uri(url);
        List<Kind> mix = mixText == null ? List.of(new Kind(method, body, 1)) : mix(mixText, body);
        String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            target += "?" + uri.getRawQuery();
        }
        return new LoadOptions(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort(), target, connections, threads,
                nanos(duration), nanos(warmup), rate, close, pipeline, mix, nanos(timeout), List.copyOf(headers),
                hgrm, html, reactor, String.join(" ", args));
    }

    /** True for the open loop (a fixed rate). */
    public boolean openLoop() {
        return rate > 0;
    }

    private static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }

    private static int integer(String option, String value, int min) throws UsageException {
        try {
            int n = Integer.parseInt(value);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new UsageException("option " + option + ": '" + value + "' is not valid: expected an integer >= " + min);
    }

    private static double decimal(String option, String value, double min) throws UsageException {
        try {
            double n = Double.parseDouble(value);
            if (n >= min && Double.isFinite(n)) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new UsageException("option " + option + ": '" + value + "' is not valid: expected a number >= " + min);
    }

    private static String token(String option, String value) throws UsageException {
        if (!value.matches("[A-Za-z]+")) {
            throw new UsageException("option " + option + ": '" + value + "' is not valid: expected a method name "
                    + "such as GET or POST");
        }
        return value.toUpperCase(Locale.ROOT);
    }

    private static String header(String option, String value) throws UsageException {
        if (!value.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+:[ \\t]*[^\\r\\n]*")) {
            throw new UsageException("option " + option + ": '" + value + "' is not valid: expected 'Name: value'");
        }
        return value;
    }

    private static byte[] readFile(String option, String value) throws UsageException {
        try {
            return Files.readAllBytes(Path.of(value));
        } catch (IOException e) {
            throw new UsageException("option " + option + ": cannot read '" + value + "': " + e.getMessage());
        }
    }

    private static URI uri(String url) throws UsageException {
        try {
            URI uri = new URI(url);
            if ("http".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw new UsageException("URL '" + url + "' is not valid: expected http://HOST[:PORT][/PATH]");
    }

    private static List<Kind> mix(String text, byte[] body) throws UsageException {
        Map<String, Integer> weights = new LinkedHashMap<>();
        for (String part : text.split(",", -1)) {
            String[] kv = part.split(":", -1);
            String name = kv[0].trim().toLowerCase(Locale.ROOT);
            if (kv.length != 2 || !(name.equals("get") || name.equals("post")) || weights.containsKey(name)) {
                throw new UsageException("option --mix: '" + text + "' is not valid: expected KIND:WEIGHT,... with "
                        + "each of get and post at most once, e.g. get:80,post:20");
            }
            weights.put(name, integer("--mix", kv[1].trim(), 1));
        }
        List<Kind> kinds = new ArrayList<>();
        weights.forEach((name, weight) -> kinds.add(name.equals("get") ? new Kind("GET", null, weight)
                : new Kind("POST", body == null ? new byte[0] : body, weight)));
        return List.copyOf(kinds);
    }
}
