package org.yimmo.tls.openssl;

import java.nio.charset.StandardCharsets;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * OpenSSL's ALPN select callback: the first of the server's protocols that the client offers,
 * or no ALPN at all ({@code SSL_TLSEXT_ERR_NOACK}) when it offers none of them, as the JDK
 * engine's selector in TlsContext answers. Runs inside the handshake, on the reactor thread.
 */
final class AlpnSelector implements LibSsl.AlpnSelect {

    private static final int SSL_TLSEXT_ERR_ALERT_FATAL = 2;

    private final byte[][] protocols;

    AlpnSelector(List<String> protocols) {
        this.protocols = protocols.stream().map(p -> p.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
    }

    @Override
    public int select(Pointer ssl, Pointer out, Pointer outLength, Pointer in, int inLength, Pointer argument) {
        try {
            return choose(out, outLength, in, inLength);
        } catch (RuntimeException | Error e) {
            return SSL_TLSEXT_ERR_ALERT_FATAL; // never let a Java exception unwind through libssl
        }
    }

    private int choose(Pointer out, Pointer outLength, Pointer in, int inLength) {
        byte[] offered = new byte[inLength];
        in.get(0, offered, 0, inLength);
        for (byte[] protocol : protocols) {
            int at = find(offered, protocol);
            if (at >= 0) {
                // Point into the client's list: OpenSSL copies the choice before it frees that.
                out.putAddress(0, in.address() + at);
                outLength.putByte(0, (byte) protocol.length);
                return OpenSsl.SSL_TLSEXT_ERR_OK;
            }
        }
        return OpenSsl.SSL_TLSEXT_ERR_NOACK;
    }

    /** Where {@code protocol}'s bytes start in the wire list (length-prefixed names), or -1. */
    static int find(byte[] offered, byte[] protocol) {
        for (int i = 0; i < offered.length; ) {
            int length = offered[i] & 0xff;
            int start = i + 1;
            if (start + length > offered.length) {
                return -1; // malformed: OpenSSL checks it before, but never read past it
            }
            if (length == protocol.length
                    && java.util.Arrays.equals(offered, start, start + length, protocol, 0, length)) {
                return start;
            }
            i = start + length;
        }
        return -1;
    }
}
