package org.yimmo.http.parser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Arbitrary bytes, cut at arbitrary points, through the head parser and the chunked decoder.
 * Checks: no exception but a declared outcome, progress on every call (see {@link Feeds}), offsets
 * inside the head, and the same outcome whole, split and byte by byte.
 *
 * <p>Under a plain {@code mvn test} this runs in regression mode over the seeds in
 * {@code src/test/resources/org/yimmo/http/parser/ParserFuzzTestInputs/<method>/}. To fuzz for
 * real, locally:
 *
 * <pre>
 * JAZZER_FUZZ=1 mvn -pl yimmo-core,yimmo-reactor-select,yimmo-http test \
 *     -Dtest=ParserFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration=10m
 * </pre>
 *
 * Findings land in that same Inputs directory as crash files and then run in every build.
 *
 * <p>Input layout: the first two bytes seed the cut points, the rest is the stream.
 */
class ParserFuzzTest {

    private static final HttpLimits SMALL = new HttpLimits(64, 256, 8, 1000, 64);

    @FuzzTest(maxDuration = "30s")
    void shouldParseArbitraryHeadsTheSameHoweverSplit(byte[] data) {
        if (data.length < 2) {
            return;
        }
        byte[] input = Arrays.copyOfRange(data, 2, data.length);
        int[] cuts = cuts(data[0] & 0xff | (data[1] & 0xff) << 8, input.length);
        for (HttpLimits limits : new HttpLimits[] {HttpLimits.defaults(), SMALL}) {
            String whole = Feeds.head(new byte[][] {input}, limits, true);
            assertTrue(whole.equals("INCOMPLETE") || whole.matches("E(400|413|414|417|431|501|505)")
                    || whole.contains(" @"), whole);
            assertEquals(whole, Feeds.head(Feeds.split(input, cuts), limits, false), "split");
            assertEquals(whole, Feeds.head(Feeds.bytewise(input), limits, true), "bytewise");
            checkOffsets(input, limits);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void shouldDecodeArbitraryChunkedBodiesTheSameHoweverSplit(byte[] data) {
        if (data.length < 2) {
            return;
        }
        byte[] input = Arrays.copyOfRange(data, 2, data.length);
        int[] cuts = cuts(data[0] & 0xff | (data[1] & 0xff) << 8, input.length);
        for (HttpLimits limits : new HttpLimits[] {HttpLimits.defaults(), SMALL}) {
            String whole = Feeds.chunked(new byte[][] {input}, limits, true);
            assertTrue(whole.endsWith("|INCOMPLETE") || whole.matches("(?s).*\\|E(400|413|431)")
                    || whole.matches("(?s).*\\|DONE@\\d+"), whole);
            assertEquals(whole, Feeds.chunked(Feeds.split(input, cuts), limits, false), "split");
            assertEquals(whole, Feeds.chunked(Feeds.bytewise(input), limits, true), "bytewise");
        }
    }

    /** Every offset of a complete head lies inside it, in order. */
    private static void checkOffsets(byte[] input, HttpLimits limits) {
        ByteBuffer buffer = ByteBuffer.allocate(input.length + 8);
        buffer.put(new byte[5]).put(input).flip().position(5);
        RequestHeadParser parser = new RequestHeadParser(limits);
        if (parser.parse(buffer) != RequestHeadParser.COMPLETE) {
            return;
        }
        RequestHead h = parser.head();
        int end = h.base() + h.length();
        assertTrue(h.base() >= 5 && end == buffer.position() && end <= buffer.limit());
        assertTrue(h.methodStart() < h.methodEnd() && h.methodEnd() < h.targetStart());
        assertTrue(h.targetStart() < h.targetEnd() && h.targetEnd() < end);
        int previous = h.targetEnd();
        for (int i = 0; i < h.headerCount(); i++) {
            assertTrue(previous < h.nameStart(i) && h.nameStart(i) < h.nameEnd(i));
            assertTrue(h.nameEnd(i) < h.valueStart(i) && h.valueStart(i) <= h.valueEnd(i));
            assertTrue(h.valueEnd(i) < end);
            previous = h.valueEnd(i);
        }
        assertTrue(h.contentLength() >= -1 && h.contentLength() <= limits.bodyMax());
        assertTrue(!(h.chunked() && h.contentLength() >= 0));
    }

    /** Up to eight ascending cut points inside {@code length}, from a small seed. */
    private static int[] cuts(int seed, int length) {
        if (length < 2) {
            return new int[0];
        }
        int n = 1 + (seed & 7);
        int[] cuts = new int[n];
        int x = seed * 0x9E3779B1 | 1;
        for (int k = 0; k < n; k++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            cuts[k] = 1 + Math.floorMod(x, length - 1);
        }
        Arrays.sort(cuts);
        return cuts;
    }
}
