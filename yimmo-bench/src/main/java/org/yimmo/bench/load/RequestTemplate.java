package org.yimmo.bench.load;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The requests of a run, encoded once: one read-only buffer per kind, and the order in which the
 * kinds follow each other (a cycle that honours the weights of {@code --mix}, the same on every
 * connection but started at a different place, so no dice are rolled per request).
 *
 * <p>Immutable; each connection takes its own {@link #buffers()} views, since a buffer's
 * position is per view.
 */
final class RequestTemplate {

    private final ByteBuffer[] encoded;
    private final byte[] cycle;

    RequestTemplate(LoadOptions options) {
        List<LoadOptions.Kind> kinds = options.mix();
        encoded = new ByteBuffer[kinds.size()];
        int total = 0;
        for (int i = 0; i < kinds.size(); i++) {
            encoded[i] = ByteBuffer.wrap(encode(kinds.get(i), options)).asReadOnlyBuffer();
            total += kinds.get(i).weight();
        }
        int divisor = 0;
        for (LoadOptions.Kind kind : kinds) {
            divisor = gcd(divisor, kind.weight());
        }
        // Interleaved, not in runs: get:80,post:20 becomes g g g g p g g g g p, not 80 g then 20 p.
        cycle = new byte[total / divisor];
        int[] given = new int[kinds.size()];
        for (int slot = 0; slot < cycle.length; slot++) {
            int best = 0;
            double bestLag = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < kinds.size(); k++) {
                double lag = (slot + 1) * (double) kinds.get(k).weight() / divisor / cycle.length - given[k];
                if (lag > bestLag) {
                    bestLag = lag;
                    best = k;
                }
            }
            given[best]++;
            cycle[slot] = (byte) best;
        }
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    private static byte[] encode(LoadOptions.Kind kind, LoadOptions options) {
        StringBuilder head = new StringBuilder()
                .append(kind.method()).append(' ').append(options.target()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(options.host()).append(':').append(options.port()).append("\r\n")
                .append("User-Agent: yimmo-load\r\n");
        for (String header : options.headers()) {
            head.append(header).append("\r\n");
        }
        if (kind.body() != null) {
            head.append("Content-Length: ").append(kind.body().length).append("\r\n");
        }
        if (options.close()) {
            head.append("Connection: close\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (kind.body() != null) {
            bytes.writeBytes(kind.body());
        }
        return bytes.toByteArray();
    }

    /** Fresh views of the encoded requests, one per kind, for one connection. */
    ByteBuffer[] buffers() {
        ByteBuffer[] views = new ByteBuffer[encoded.length];
        for (int i = 0; i < views.length; i++) {
            views[i] = encoded[i].duplicate();
        }
        return views;
    }

    /** The kind of the {@code n}-th request in the cycle. */
    int kindAt(long n) {
        return cycle[(int) (n % cycle.length)];
    }

    int cycleLength() {
        return cycle.length;
    }

    /** True if kind {@code k} is a HEAD request (its response has no body). */
    boolean isHead(int k) {
        return encoded[k].get(0) == 'H' && encoded[k].get(1) == 'E' && encoded[k].get(2) == 'A';
    }
}
