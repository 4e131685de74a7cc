package org.yimmo.http.parser;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The word-at-a-time scans agree with a byte-by-byte walk over the tables: every byte value, at
 * every place of the words and of the tail, in heap and direct buffers of either byte order, with
 * a stop that cuts words short.
 */
class HttpBytesTest {

    private static int naive(ByteBuffer b, int i, int stop, boolean[] table) {
        while (i < stop && table[b.get(i) & 0xff]) {
            i++;
        }
        return i;
    }

    private static ByteBuffer[] buffers(byte[] bytes) {
        ByteBuffer[] out = new ByteBuffer[4];
        int n = 0;
        for (boolean direct : new boolean[] {false, true}) {
            for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
                ByteBuffer b = direct ? ByteBuffer.allocateDirect(bytes.length) : ByteBuffer.allocate(bytes.length);
                b.put(bytes).flip();
                out[n++] = b.order(order);
            }
        }
        return out;
    }

    @Test
    void shouldScanAsTheTablesSayForEveryByteAtEveryPlace() {
        byte[][] fills = {{'a'}, {'Z', '-', '7', ' '}, {'x', '\t'}};
        for (byte[] fill : fills) {
            for (int v = 0; v < 256; v++) {
                for (int at = 0; at < 21; at++) {
                    byte[] bytes = new byte[21];
                    for (int k = 0; k < bytes.length; k++) {
                        bytes[k] = fill[k % fill.length];
                    }
                    bytes[at] = (byte) v;
                    for (ByteBuffer b : buffers(bytes)) {
                        for (int start : new int[] {0, 1, 5}) {
                            for (int stop : new int[] {21, 17, 13, 8, start}) {
                                if (stop < start) {
                                    continue;
                                }
                                String where = "byte " + v + " at " + at + " from " + start + " to " + stop
                                        + " in " + Arrays.toString(fill) + " " + b;
                                assertEquals(naive(b, start, stop, HttpBytes.VALUE),
                                        HttpBytes.scanValue(b, start, stop), "value: " + where);
                                assertEquals(naive(b, start, stop, HttpBytes.TCHAR),
                                        HttpBytes.scan(b, start, stop, HttpBytes.TCHAR), "tchar: " + where);
                                assertEquals(naive(b, start, stop, HttpBytes.TARGET_PLAIN),
                                        HttpBytes.scan(b, start, stop, HttpBytes.TARGET_PLAIN), "target: " + where);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void shouldCompareWordsIgnoringCaseLikeBytes() {
        String[] names = {"host", "expect", "connection", "content-length", "transfer-encoding", "keep-alive",
            "chunked", "close", "100-continue", "te", "a"};
        for (String name : names) {
            byte[] lower = HttpBytes.ascii(name);
            for (int at = -1; at < lower.length; at++) {
                for (int v = 0; v < 256; v++) {
                    byte[] bytes = ("  " + name.toUpperCase() + "  ").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                    if (at >= 0) {
                        bytes[2 + at] = (byte) v;
                    }
                    boolean expected = true;
                    for (int k = 0; k < lower.length; k++) {
                        expected &= (bytes[2 + k] | 0x20) == lower[k];
                    }
                    for (ByteBuffer b : buffers(bytes)) {
                        assertEquals(expected, HttpBytes.equalsIgnoreCase(b, 2, 2 + lower.length, lower),
                                name + " with byte " + v + " at " + at + " in " + b);
                        assertEquals(false, HttpBytes.equalsIgnoreCase(b, 2, 1 + lower.length, lower));
                    }
                }
            }
        }
    }
}
