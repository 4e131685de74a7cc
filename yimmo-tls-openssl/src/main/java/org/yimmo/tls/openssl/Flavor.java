package org.yimmo.tls.openssl;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;

/**
 * The libssl families this module binds, and the little where their APIs part: where each is
 * found, how its version string starts, which options it has, and the two context set-up calls
 * OpenSSL spells as {@code SSL_CTX_ctrl} commands (macros) and BoringSSL as functions.
 * Everything else goes through {@link LibSsl}, which both export alike.
 */
enum Flavor {

    /** The system's OpenSSL 3 (or 1.1.1, by its soname). */
    OPENSSL("openssl", "OpenSSL", "libssl3", new String[] {"libssl.so.3", "libssl.so.1.1"},
            new String[] {"libcrypto.so.3", "libcrypto.so.1.1"},
            // No TLS 1.2 renegotiation: a client asking gets a no_renegotiation warning, as from
            // OpenSSL 3's and nginx's defaults. OpenSSL cannot take the application data a client
            // (the JDK's SSLSocket) sends behind its renegotiating ClientHello, and it stalls
            // SSL_write until the client finishes: a peer could hold a connection's output.
            OpenSsl.SSL_OP_CIPHER_SERVER_PREFERENCE | OpenSsl.SSL_OP_NO_COMPRESSION | OpenSsl.SSL_OP_NO_RENEGOTIATION) {
        @Override
        ContextCalls bind(String ssl, String crypto) {
            LibSsl.OpenSslOnly only = loader(LibSsl.OpenSslOnly.class, ssl, crypto);
            return new ContextCalls() {
                @Override
                public boolean setMinimumVersion(long ctx, int version) {
                    return only.SSL_CTX_ctrl(ctx, OpenSsl.SSL_CTRL_SET_MIN_PROTO_VERSION, version, 0) == 1;
                }

                @Override
                public boolean addChainCertificate(long ctx, long x509) {
                    return only.SSL_CTX_ctrl(ctx, OpenSsl.SSL_CTRL_CHAIN_CERT, 1, x509) == 1;
                }
            };
        }
    },

    /**
     * BoringSSL as Debian ships it for the Android tools (package android-libboringssl), outside
     * the linker's path. It never compresses or renegotiates as a server, so those options are
     * not its to set. Its symbols carry no version, so it must never join the process's global
     * symbol scope: {@link OpenSsl#load} keeps every flavor local.
     */
    BORINGSSL("boringssl", "BoringSSL", "android-libboringssl", new String[] {
        "/usr/lib/x86_64-linux-gnu/android/libssl.so.0", "/usr/lib/aarch64-linux-gnu/android/libssl.so.0",
    }, new String[] {
        "/usr/lib/x86_64-linux-gnu/android/libcrypto.so.0", "/usr/lib/aarch64-linux-gnu/android/libcrypto.so.0",
    }, OpenSsl.SSL_OP_CIPHER_SERVER_PREFERENCE) {
        @Override
        ContextCalls bind(String ssl, String crypto) {
            LibSsl.BoringSslOnly only = loader(LibSsl.BoringSslOnly.class, ssl, crypto);
            return new ContextCalls() {
                @Override
                public boolean setMinimumVersion(long ctx, int version) {
                    return only.SSL_CTX_set_min_proto_version(ctx, (short) version) == 1;
                }

                @Override
                public boolean addChainCertificate(long ctx, long x509) {
                    return only.SSL_CTX_add1_chain_cert(ctx, x509) == 1;
                }
            };
        }
    };

    /** The engine's name for {@code --tls-engine}. */
    final String engineName;
    /** How {@code OpenSSL_version(OPENSSL_VERSION)} starts: tells a library of the other family. */
    final String versionPrefix;
    /** Debian's package of the library, for the message when it cannot be loaded. */
    final String debianPackage;
    final String[] sslNames;
    final String[] cryptoNames;
    /** SSL_CTX_set_options: the server's cipher order, and what the family needs turned off. */
    final long options;

    Flavor(String engineName, String versionPrefix, String debianPackage, String[] sslNames, String[] cryptoNames,
            long options) {
        this.engineName = engineName;
        this.versionPrefix = versionPrefix;
        this.debianPackage = debianPackage;
        this.sslNames = sslNames;
        this.cryptoNames = cryptoNames;
        this.options = options;
    }

    /** This family's own set-up calls, from libraries already opened by {@link OpenSsl#load}. */
    abstract ContextCalls bind(String ssl, String crypto);

    /** A jnr binding of {@code type} to these two libraries. */
    static <T> T loader(Class<T> type, String ssl, String crypto) {
        return LibraryLoader.create(type).option(LibraryOption.IgnoreError, true)
                .library(ssl).library(crypto).failImmediately().load();
    }

    /** The SSL_CTX set-up calls whose form differs between the families; true on success. */
    interface ContextCalls {
        boolean setMinimumVersion(long ctx, int version);

        boolean addChainCertificate(long ctx, long x509);
    }
}
