package org.yimmo.tls.openssl;

import java.nio.ByteBuffer;
import org.yimmo.posix.NativeMemory;

/**
 * Native memory one thread lends to every engine it drives, for the moments OpenSSL needs an
 * address the caller's buffers cannot give: several sources gathered into one record, heap
 * buffers, out-parameters, error text. Per thread rather than per engine: an idle connection
 * then holds no copy buffer. Contents never outlive one engine call.
 */
final class Scratch {

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** One record's plaintext: gathered sources, or a heap destination's bytes. */
    final ByteBuffer plain = NativeMemory.allocate(OpenSsl.MAX_PLAINTEXT);
    final long plainAddress = NativeMemory.address(plain);
    /** One whole record (header and the largest body). */
    final ByteBuffer record = NativeMemory.allocate(OpenSsl.RECORD_HEADER + OpenSsl.MAX_CIPHERTEXT);
    final long recordAddress = NativeMemory.address(record);
    /** Two pointer-sized out-parameters. */
    final ByteBuffer pointers = NativeMemory.allocate(16);
    final long pointersAddress = NativeMemory.address(pointers);
    final ByteBuffer errorText = NativeMemory.allocate(256);

    private Scratch() {
    }

    static Scratch get() {
        return SCRATCH.get();
    }
}
