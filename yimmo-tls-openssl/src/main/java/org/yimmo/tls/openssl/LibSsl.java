package org.yimmo.tls.openssl;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;

/**
 * The libssl and libcrypto functions this module calls, and nothing else native: bound by
 * {@link OpenSsl#load}. OpenSSL 3 (and 1.1.1) and BoringSSL export all of these alike; the two
 * nested interfaces hold the few calls one family has and the other has not ({@link Flavor}).
 *
 * <p>Pointers are {@code long} addresses (an {@code SSL*}, a {@code BIO*}, a direct buffer's
 * address plus its position): no wrapper object is made per call. errno is never saved (the
 * library is loaded with {@code IgnoreError}): the libraries report through their own error
 * queue.
 */
public interface LibSsl {

    // ---------------------------------------------------------------- libcrypto

    /** {@code OPENSSL_VERSION} (0): "OpenSSL 3.0.19 27 Jan 2026". */
    String OpenSSL_version(int type);

    long ERR_get_error();

    void ERR_error_string_n(long error, long buffer, long length);

    void ERR_clear_error();

    /** {@code d2i_X509(NULL, &der, length)}: {@code inPointer} holds the DER's address, advanced. */
    long d2i_X509(long reuse, long inPointer, long length);

    void X509_free(long x509);

    /** PKCS#8 (or traditional) DER of any key type. */
    long d2i_AutoPrivateKey(long reuse, long inPointer, long length);

    void EVP_PKEY_free(long key);

    long BIO_s_mem();

    long BIO_new(long method);

    void BIO_free_all(long bio);

    int BIO_read(long bio, long buffer, int length);

    int BIO_write(long bio, long buffer, int length);

    long BIO_ctrl_pending(long bio);

    // ---------------------------------------------------------------- libssl

    long TLS_server_method();

    long SSL_CTX_new(long method);

    void SSL_CTX_free(long ctx);

    long SSL_CTX_set_options(long ctx, long options);

    int SSL_CTX_set_cipher_list(long ctx, String ciphers);

    int SSL_CTX_use_certificate(long ctx, long x509);

    int SSL_CTX_use_PrivateKey(long ctx, long key);

    int SSL_CTX_check_private_key(long ctx);

    void SSL_CTX_set_alpn_select_cb(long ctx, AlpnSelect callback, long argument);

    long SSL_new(long ctx);

    void SSL_free(long ssl);

    void SSL_set_bio(long ssl, long readBio, long writeBio);

    void SSL_set_accept_state(long ssl);

    int SSL_do_handshake(long ssl);

    int SSL_read(long ssl, long buffer, int length);

    int SSL_write(long ssl, long buffer, int length);

    int SSL_get_error(long ssl, int result);

    int SSL_shutdown(long ssl);

    String SSL_get_version(long ssl);

    long SSL_get_current_cipher(long ssl);

    String SSL_CIPHER_standard_name(long cipher);

    /** {@code *data} and {@code *length} (an unsigned int) are written at the two addresses. */
    void SSL_get0_alpn_selected(long ssl, long data, long length);

    /** OpenSSL only: its SSL_CTX_set_min_proto_version and SSL_CTX_add1_chain_cert are macros over this. */
    interface OpenSslOnly {
        long SSL_CTX_ctrl(long ctx, int command, long larg, long parg);
    }

    /** BoringSSL only: what OpenSSL spells as SSL_CTX_ctrl commands are functions, and it has no SSL_CTX_ctrl. */
    interface BoringSslOnly {
        int SSL_CTX_set_min_proto_version(long ctx, short version);

        int SSL_CTX_add1_chain_cert(long ctx, long x509);
    }

    /**
     * The ALPN select callback: {@code int cb(SSL *ssl, const unsigned char **out, unsigned char
     * *outlen, const unsigned char *in, unsigned int inlen, void *arg)}.
     */
    interface AlpnSelect {
        @Delegate
        int select(Pointer ssl, Pointer out, Pointer outLength, Pointer in, int inLength, Pointer argument);
    }
}
