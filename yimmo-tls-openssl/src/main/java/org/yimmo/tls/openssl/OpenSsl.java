package org.yimmo.tls.openssl;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import org.yimmo.core.tls.TlsSetupException;
import org.yimmo.posix.NativeMemory;

/**
 * One loaded libssl: the binding, its jnr runtime, OpenSSL's numbers this module uses, and the
 * error queue read as text. The default library ({@code libssl.so.3}, else whatever
 * {@code ssl} names) is loaded once, on first use.
 */
final class OpenSsl {

    static final int SSL_ERROR_SSL = 1;
    static final int SSL_ERROR_WANT_READ = 2;
    static final int SSL_ERROR_WANT_WRITE = 3;
    static final int SSL_ERROR_SYSCALL = 5;
    static final int SSL_ERROR_ZERO_RETURN = 6;
    static final int SSL_CTRL_CHAIN_CERT = 89;
    static final int SSL_CTRL_SET_MIN_PROTO_VERSION = 123;
    static final int TLS1_2_VERSION = 0x0303;
    static final long SSL_OP_CIPHER_SERVER_PREFERENCE = 1L << 22;
    static final long SSL_OP_NO_COMPRESSION = 1L << 17;
    /** OpenSSL 3 and 1.1.1 (since 1.1.0h). */
    static final long SSL_OP_NO_RENEGOTIATION = 1L << 30;
    static final int SSL_TLSEXT_ERR_OK = 0;
    static final int SSL_TLSEXT_ERR_NOACK = 3;
    /** The largest plaintext of one record. */
    static final int MAX_PLAINTEXT = 16384;
    /** The largest record body TLS 1.2 allows (2^14 + 2048); TLS 1.3's is smaller. */
    static final int MAX_CIPHERTEXT = 16384 + 2048;
    static final int RECORD_HEADER = 5;

    /** Frees SSL_CTXs and SSLs whose Java owners were dropped without being closed. */
    static final Cleaner CLEANER = Cleaner.create();

    private static final String[] DEFAULT_SSL = {"libssl.so.3", "ssl"};
    private static final String[] DEFAULT_CRYPTO = {"libcrypto.so.3", "crypto"};

    final LibSsl lib;
    final jnr.ffi.Runtime runtime;
    final String version;
    /** BIO_s_mem(): a static method table, asked once. */
    final long memMethod;

    private OpenSsl(LibSsl lib) {
        this.lib = lib;
        this.runtime = jnr.ffi.Runtime.getRuntime(lib);
        this.version = lib.OpenSSL_version(0);
        this.memMethod = lib.BIO_s_mem();
    }

    /** The default library; the same instance every time. */
    static OpenSsl library() {
        Default holder = Default.INSTANCE;
        if (holder.failure != null) {
            throw holder.failure;
        }
        return holder.library;
    }

    /**
     * Binds libssl and libcrypto by the first of the names each that loads.
     *
     * @throws TlsSetupException when neither loads, or they lack a function this module needs
     */
    static OpenSsl load(String[] sslNames, String[] cryptoNames) {
        Throwable last = null;
        for (String ssl : sslNames) {
            for (String crypto : cryptoNames) {
                try {
                    OpenSsl library = new OpenSsl(LibraryLoader.create(LibSsl.class)
                            .option(LibraryOption.IgnoreError, true)
                            .library(ssl).library(crypto).failImmediately().load());
                    if (library.version == null || !library.version.startsWith("OpenSSL")) {
                        throw new TlsSetupException("not OpenSSL: " + library.version);
                    }
                    return library;
                } catch (LinkageError | RuntimeException e) {
                    last = e;
                }
            }
        }
        throw new TlsSetupException("cannot load OpenSSL's libssl (tried " + String.join(", ", sslNames) + "): "
                + (last == null ? "no names" : last.getMessage()), last);
    }

    /**
     * The thread's error queue as text ("error:0A00010B:SSL routines::wrong version number"),
     * oldest first, and the queue left empty; {@code fallback} when it held nothing.
     */
    String errors(String fallback) {
        StringBuilder text = null;
        for (long error; (error = lib.ERR_get_error()) != 0; ) {
            ByteBuffer buffer = Scratch.get().errorText;
            long address = NativeMemory.address(buffer);
            lib.ERR_error_string_n(error, address, buffer.capacity());
            int length = 0;
            while (length < buffer.capacity() && buffer.get(length) != 0) {
                length++;
            }
            byte[] bytes = new byte[length];
            buffer.get(0, bytes);
            text = text == null ? new StringBuilder() : text.append("; ");
            text.append(new String(bytes, StandardCharsets.UTF_8));
        }
        lib.ERR_clear_error();
        return text == null ? fallback : text.toString();
    }

    /** A NUL-terminated string at {@code address}, or null. */
    String string(long address) {
        return address == 0 ? null : runtime.getMemoryManager().newPointer(address).getString(0);
    }

    private static final class Default {
        static final Default INSTANCE = new Default();

        final OpenSsl library;
        final TlsSetupException failure;

        private Default() {
            OpenSsl loaded = null;
            TlsSetupException failed = null;
            try {
                loaded = load(DEFAULT_SSL, DEFAULT_CRYPTO);
            } catch (TlsSetupException e) {
                failed = e;
            }
            library = loaded;
            failure = failed;
        }
    }
}
