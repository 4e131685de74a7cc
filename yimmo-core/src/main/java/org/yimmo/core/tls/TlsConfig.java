package org.yimmo.core.tls;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a server's certificate and key are: PEM files, and the password of an encrypted key.
 * Immutable; {@link TlsContext#load(TlsConfig)} reads and checks them.
 *
 * @param certificate the certificate chain, leaf first ({@code BEGIN CERTIFICATE} blocks)
 * @param privateKey  the key: PKCS#8, PKCS#1 RSA, SEC1 EC, or encrypted PKCS#8
 * @param password    the encrypted key's password; null when the key is not encrypted
 */
public record TlsConfig(Path certificate, Path privateKey, char[] password) {

    public TlsConfig {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        password = password == null ? null : password.clone();
    }

    public TlsConfig(Path certificate, Path privateKey) {
        this(certificate, privateKey, null);
    }

    @Override
    public char[] password() {
        return password == null ? null : password.clone();
    }

    @Override
    public String toString() {
        return "TlsConfig[certificate=" + certificate + ", privateKey=" + privateKey
                + (password == null ? "" : ", password=***") + "]";
    }
}
