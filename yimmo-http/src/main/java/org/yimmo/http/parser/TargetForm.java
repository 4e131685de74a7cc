package org.yimmo.http.parser;

import java.nio.ByteBuffer;

/**
 * The request-target's form, checked once its bytes are known to be in
 * {@link HttpBytes#TARGET}: origin-form for every method but CONNECT, absolute-form likewise,
 * authority-form only with CONNECT, asterisk-form only with OPTIONS (RFC 9112 3.2). Also checks
 * that every '%' starts a pct-encoded triplet. Stateless.
 */
final class TargetForm {

    private TargetForm() {
    }

    /** Null when acceptable, else a reason for a 400. */
    static String check(ByteBuffer buffer, int start, int end, HttpMethod method) {
        return check(buffer, start, end, method, true);
    }

    /**
     * As {@link #check(ByteBuffer, int, int, HttpMethod)}; {@code percent} false says the target
     * holds no '%' (its scan saw none), which spares the pct-encoding pass.
     */
    static String check(ByteBuffer buffer, int start, int end, HttpMethod method, boolean percent) {
        byte first = buffer.get(start);
        if (method == HttpMethod.CONNECT) {
            if (!authority(buffer, start, end)) {
                return "CONNECT needs authority-form";
            }
        } else if (first == '*') {
            if (end - start != 1 || method != HttpMethod.OPTIONS) {
                return "asterisk-form only with OPTIONS";
            }
        } else if (first != '/' && !absolute(buffer, start, end)) {
            return "invalid request-target";
        }
        for (int k = start; percent && k < end; k++) {
            if (buffer.get(k) == '%') {
                if (k + 2 >= end) {
                    return "invalid percent-encoding";
                }
                if (HttpBytes.HEX[buffer.get(k + 1) & 0xff] < 0 || HttpBytes.HEX[buffer.get(k + 2) & 0xff] < 0) {
                    return "invalid percent-encoding";
                }
                k += 2;
            }
        }
        return null;
    }

    /** scheme "://" and a non-empty authority (RFC 9112 3.2.2, narrowed to hierarchical URIs). */
    private static boolean absolute(ByteBuffer buffer, int start, int end) {
        int k = start;
        byte b = buffer.get(k);
        if (!isAlpha(b)) {
            return false;
        }
        for (k++; k < end; k++) {
            b = buffer.get(k);
            if (b == ':') {
                // HTTP URIs have an authority (RFC 9110 4.2): insist on "//" and a host, which
                // also keeps "host:port" from passing as a scheme named "host".
                return end - k > 3 && buffer.get(k + 1) == '/' && buffer.get(k + 2) == '/'
                        && buffer.get(k + 3) != '/';
            }
            if (!isAlpha(b) && !(b >= '0' && b <= '9') && b != '+' && b != '-' && b != '.') {
                return false;
            }
        }
        return false;
    }

    /** host ":" port (RFC 9112 3.2.3): no userinfo, path or query; a port of 1*DIGIT. */
    private static boolean authority(ByteBuffer buffer, int start, int end) {
        int colon = -1;
        for (int k = start; k < end; k++) {
            byte b = buffer.get(k);
            if (b == '/' || b == '?' || b == '@') {
                return false;
            }
            if (b == ':') {
                colon = k;
            }
        }
        if (colon <= start || colon == end - 1) {
            return false;
        }
        for (int k = colon + 1; k < end; k++) {
            byte b = buffer.get(k);
            if (b < '0' || b > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlpha(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }
}
