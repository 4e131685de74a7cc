package org.yimmo.tls.openssl;

import java.security.Principal;
import java.security.cert.Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

/**
 * What TlsConnection and the logs ask of a session: the buffer sizes (the JDK's numbers, which
 * TlsContext sizes its pool by), the negotiated version and cipher suite (read once, when the
 * handshake completes). No client certificates are asked for, so there is no peer identity;
 * session values are not kept.
 */
final class OpenSslSession implements SSLSession {

    /** The JDK's packet buffer size: a record of 2^14 bytes plus the largest TLS 1.2 expansion. */
    static final int PACKET_BUFFER_SIZE = 16709;
    static final int APPLICATION_BUFFER_SIZE = OpenSsl.MAX_PLAINTEXT;

    private final long creationTime = System.currentTimeMillis();
    private volatile String protocol = "NONE";
    private volatile String cipherSuite = "SSL_NULL_WITH_NULL_NULL";
    private volatile boolean valid;

    void established(String protocol, String cipherSuite) {
        this.protocol = protocol;
        this.cipherSuite = cipherSuite;
        this.valid = true;
    }

    @Override
    public int getPacketBufferSize() {
        return PACKET_BUFFER_SIZE;
    }

    @Override
    public int getApplicationBufferSize() {
        return APPLICATION_BUFFER_SIZE;
    }

    @Override
    public String getProtocol() {
        return protocol;
    }

    @Override
    public String getCipherSuite() {
        return cipherSuite;
    }

    @Override
    public byte[] getId() {
        return new byte[0];
    }

    @Override
    public SSLSessionContext getSessionContext() {
        return null;
    }

    @Override
    public long getCreationTime() {
        return creationTime;
    }

    @Override
    public long getLastAccessedTime() {
        return creationTime;
    }

    @Override
    public void invalidate() {
        valid = false;
    }

    @Override
    public boolean isValid() {
        return valid;
    }

    @Override
    public void putValue(String name, Object value) {
        throw new UnsupportedOperationException("OpenSSL sessions keep no values");
    }

    @Override
    public Object getValue(String name) {
        return null;
    }

    @Override
    public void removeValue(String name) {
    }

    @Override
    public String[] getValueNames() {
        return new String[0];
    }

    @Override
    public Certificate[] getPeerCertificates() throws SSLPeerUnverifiedException {
        throw new SSLPeerUnverifiedException("no client certificate is asked for");
    }

    @Override
    public Certificate[] getLocalCertificates() {
        return null;
    }

    @Override
    public Principal getPeerPrincipal() throws SSLPeerUnverifiedException {
        throw new SSLPeerUnverifiedException("no client certificate is asked for");
    }

    @Override
    public Principal getLocalPrincipal() {
        return null;
    }

    @Override
    public String getPeerHost() {
        return null;
    }

    @Override
    public int getPeerPort() {
        return -1;
    }

    @Override
    @SuppressWarnings({"deprecation", "removal"})
    public javax.security.cert.X509Certificate[] getPeerCertificateChain() throws SSLPeerUnverifiedException {
        throw new SSLPeerUnverifiedException("no client certificate is asked for");
    }
}
