package org.yimmo.core.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates made at test time with {@code openssl} (Debian's package; .ci/run installs it): a
 * self-signed RSA certificate for {@code localhost} and {@code 127.0.0.1}, made once per JVM, and
 * helpers to make other keys. Thread safe.
 */
public final class TestCertificates {

    private static TestCertificates rsa;

    private final Path directory;
    private final Path certificate;
    private final Path key;

    private TestCertificates(Path directory, Path certificate, Path key) {
        this.directory = directory;
        this.certificate = certificate;
        this.key = key;
    }

    /** The shared localhost certificate (RSA 2048, PKCS#8 key), valid from yesterday for two days. */
    public static synchronized TestCertificates localhost() throws IOException {
        if (rsa == null) {
            Path directory = Files.createTempDirectory("yimmo-tls-test");
            directory.toFile().deleteOnExit();
            Path certificate = directory.resolve("cert.pem");
            Path key = directory.resolve("key.pem");
            openssl(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
                    "-out", certificate.toString(), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
            certificate.toFile().deleteOnExit();
            key.toFile().deleteOnExit();
            rsa = new TestCertificates(directory, certificate, key);
        }
        return rsa;
    }

    public Path directory() {
        return directory;
    }

    public Path certificate() {
        return certificate;
    }

    public Path key() {
        return key;
    }

    /** The server side: this certificate and key, delegated tasks on the shared task threads. */
    public TlsContext serverContext() {
        return TlsContext.load(new TlsConfig(certificate, key));
    }

    /** The same with the TLS engine named ({@link TlsContext#ENGINE_JDK}, a provider's name). */
    public TlsContext serverContext(String engine) {
        return TlsContext.load(new TlsConfig(certificate, key), engine);
    }

    /** A client context that trusts this certificate only. */
    public SSLContext clientContext() throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(certificate)) {
            trusted.setCertificateEntry("server",
                    (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** Runs {@code openssl args...} in {@code directory}; fails with its output unless it exits 0. */
    public static String openssl(Path directory, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        return run(directory, command);
    }

    /** Runs a command in {@code directory}; fails with its output unless it exits 0. */
    public static String run(Path directory, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(command + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(command + " exited " + process.exitValue() + ": " + output);
        }
        return output;
    }
}
