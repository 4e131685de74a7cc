package org.yimmo.tls.openssl;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import org.yimmo.core.tls.TlsEngineFactory;
import org.yimmo.core.tls.TlsSetupException;
import org.yimmo.posix.NativeMemory;

/**
 * One SSL_CTX: the certificate chain and key (handed over as DER, never through files), TLS 1.3
 * and 1.2, the server's cipher order, and ALPN; the engines share it. Thread safe: after
 * construction the SSL_CTX is only read (SSL_new takes its own reference on it, so an engine
 * outlives the context's cleanup safely).
 */
final class OpenSslContext implements TlsEngineFactory {

    /**
     * TLS 1.2 suites: forward secret (ECDHE) AEADs only, ECDSA first. TLS 1.3's are the library's
     * defaults (AES-GCM and ChaCha20), set apart (by SSL_CTX_set_ciphersuites, in OpenSSL).
     */
    static final String TLS12_CIPHERS = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"
            + ":ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"
            + ":ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

    final OpenSsl openSsl;
    /** The SSL_CTX; freed by the cleaner once this context (and so every engine) is unreachable. */
    final long ctx;
    /** Kept strongly reachable for as long as an engine may call it: jnr frees unreachable callbacks. */
    private final AlpnSelector alpn;

    OpenSslContext(OpenSsl openSsl, List<X509Certificate> chain, PrivateKey key, List<String> applicationProtocols) {
        this.openSsl = openSsl;
        LibSsl lib = openSsl.lib;
        lib.ERR_clear_error();
        long context = lib.SSL_CTX_new(lib.TLS_server_method());
        if (context == 0) {
            throw failure("SSL_CTX_new");
        }
        this.ctx = context;
        OpenSsl.CLEANER.register(this, new Free(lib, context));
        check(openSsl.contextCalls.setMinimumVersion(ctx, OpenSsl.TLS1_2_VERSION),
                "setting TLS 1.2 as the oldest version");
        lib.SSL_CTX_set_options(ctx, openSsl.flavor.options);
        check(lib.SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS), "SSL_CTX_set_cipher_list");
        useCertificates(chain);
        useKey(key);
        check(lib.SSL_CTX_check_private_key(ctx), "the private key does not match the certificate");
        if (applicationProtocols.isEmpty()) {
            this.alpn = null;
        } else {
            this.alpn = new AlpnSelector(applicationProtocols);
            lib.SSL_CTX_set_alpn_select_cb(ctx, alpn, 0);
        }
        lib.ERR_clear_error(); // what a decoder tried and dropped: engines expect an empty queue
    }

    @Override
    public SSLEngine newEngine(SocketAddress peer) {
        return new OpenSslEngine(this);
    }

    @Override
    public String describe() {
        return openSsl.version;
    }

    private void useCertificates(List<X509Certificate> chain) {
        LibSsl lib = openSsl.lib;
        for (int i = 0; i < chain.size(); i++) {
            long x509 = d2i(chain.get(i), i);
            try {
                if (i == 0) {
                    check(lib.SSL_CTX_use_certificate(ctx, x509), "SSL_CTX_use_certificate");
                } else { // add1: the SSL_CTX takes its own reference, ours is freed below
                    check(openSsl.contextCalls.addChainCertificate(ctx, x509), "adding a chain certificate");
                }
            } finally {
                lib.X509_free(x509);
            }
        }
    }

    private long d2i(X509Certificate certificate, int index) {
        byte[] der;
        try {
            der = certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new TlsSetupException("certificate " + index + " of the chain cannot be encoded: " + e.getMessage(), e);
        }
        long x509 = decode(der, false);
        if (x509 == 0) {
            throw failure("d2i_X509 (certificate " + index + " of the chain)");
        }
        return x509;
    }

    private void useKey(PrivateKey key) {
        byte[] der = key.getEncoded();
        if (der == null) {
            throw new TlsSetupException("the " + key.getAlgorithm() + " private key cannot be exported (format "
                    + key.getFormat() + ")");
        }
        long pkey = decode(der, true);
        java.util.Arrays.fill(der, (byte) 0);
        if (pkey == 0) {
            throw failure("d2i_AutoPrivateKey (" + key.getAlgorithm() + " key, " + key.getFormat() + ")");
        }
        try {
            check(openSsl.lib.SSL_CTX_use_PrivateKey(ctx, pkey), "SSL_CTX_use_PrivateKey");
        } finally {
            openSsl.lib.EVP_PKEY_free(pkey);
        }
    }

    /** d2i of a DER blob copied into native memory (wiped after, for a key). */
    private long decode(byte[] der, boolean key) {
        ByteBuffer native_ = NativeMemory.allocate(der.length);
        native_.put(0, der);
        long cell = Scratch.get().pointersAddress;
        NativeMemory.putLong(cell, NativeMemory.address(native_));
        try {
            return key ? openSsl.lib.d2i_AutoPrivateKey(0, cell, der.length)
                    : openSsl.lib.d2i_X509(0, cell, der.length);
        } finally {
            if (key) {
                native_.put(0, new byte[der.length]);
            }
            java.lang.ref.Reference.reachabilityFence(native_);
        }
    }

    private void check(long result, String what) {
        check(result > 0, what);
    }

    private void check(boolean success, String what) {
        if (!success) {
            throw failure(what);
        }
    }

    private TlsSetupException failure(String what) {
        return new TlsSetupException(openSsl.flavor.versionPrefix + ": " + what + " failed: "
                + openSsl.errors("no error reported"));
    }

    /** Holds no reference to the context, or it would never become unreachable. */
    private record Free(LibSsl lib, long ctx) implements Runnable {
        @Override
        public void run() {
            lib.SSL_CTX_free(ctx);
        }
    }
}
