package org.yimmo.core.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading certificates and keys from PEM: every key form openssl writes, and each way a file can
 * be wrong, with a message that names the file and the problem. Keys are made by openssl here.
 */
class TlsContextTest {

    @TempDir
    Path dir;

    private Path certificateFor(Path key) throws IOException {
        Path certificate = dir.resolve(key.getFileName() + ".crt");
        TestCertificates.openssl(dir, "req", "-x509", "-key", key.toString(), "-out", certificate.toString(),
                "-days", "2", "-subj", "/CN=localhost");
        return certificate;
    }

    private Path pkcs8Rsa() throws IOException {
        Path key = dir.resolve("rsa8.pem");
        TestCertificates.openssl(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", key.toString());
        return key;
    }

    private Path pkcs8Ec() throws IOException {
        Path key = dir.resolve("ec8.pem");
        TestCertificates.openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", key.toString());
        return key;
    }

    private static void assertStarts(Path certificate, Path key, char[] password, String header) throws IOException {
        assertTrue(Files.readString(key).startsWith("-----BEGIN " + header + "-----"), "key form " + header);
        TlsContext context = TlsContext.load(new TlsConfig(certificate, key, password));
        assertNotNull(context.newEngine(null));
    }

    @Test
    void shouldLoadPkcs8RsaAndEcKeys() throws Exception {
        Path rsa = pkcs8Rsa();
        assertStarts(certificateFor(rsa), rsa, null, "PRIVATE KEY");
        Path ec = pkcs8Ec();
        assertStarts(certificateFor(ec), ec, null, "PRIVATE KEY");
    }

    @Test
    void shouldLoadPkcs1RsaKeys() throws Exception {
        Path rsa = pkcs8Rsa();
        Path pkcs1 = dir.resolve("rsa1.pem");
        TestCertificates.openssl(dir, "rsa", "-in", rsa.toString(), "-traditional", "-out", pkcs1.toString());
        assertStarts(certificateFor(rsa), pkcs1, null, "RSA PRIVATE KEY");
        PrivateKey fromPkcs1 = PemFiles.readPrivateKey(pkcs1, null);
        assertEquals(PemFiles.readPrivateKey(rsa, null), fromPkcs1);
    }

    @Test
    void shouldLoadSec1EcKeysWithOrWithoutAParametersBlock() throws Exception {
        Path ec = pkcs8Ec();
        Path sec1 = dir.resolve("sec1.pem");
        TestCertificates.openssl(dir, "ec", "-in", ec.toString(), "-out", sec1.toString());
        assertStarts(certificateFor(ec), sec1, null, "EC PRIVATE KEY");
        assertEquals(((ECPrivateKey) PemFiles.readPrivateKey(ec, null)).getS(),
                ((ECPrivateKey) PemFiles.readPrivateKey(sec1, null)).getS());
        Path withParameters = dir.resolve("ecparam.pem");
        TestCertificates.openssl(dir, "ecparam", "-name", "secp384r1", "-genkey", "-out", withParameters.toString());
        assertStarts(certificateFor(withParameters), withParameters, null, "EC PARAMETERS");
    }

    @Test
    void shouldLoadEncryptedPkcs8KeysWithTheirPassword() throws Exception {
        Path rsa = pkcs8Rsa();
        Path encrypted = dir.resolve("enc.pem");
        TestCertificates.openssl(dir, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", rsa.toString(),
                "-out", encrypted.toString(), "-passout", "pass:s3cret");
        Path certificate = certificateFor(rsa);
        assertStarts(certificate, encrypted, "s3cret".toCharArray(), "ENCRYPTED PRIVATE KEY");

        TlsSetupException missing = assertThrows(TlsSetupException.class,
                () -> TlsContext.load(new TlsConfig(certificate, encrypted)));
        assertTrue(missing.getMessage().contains(encrypted.toString()) && missing.getMessage().contains("password"),
                missing.getMessage());
        TlsSetupException wrong = assertThrows(TlsSetupException.class,
                () -> TlsContext.load(new TlsConfig(certificate, encrypted, "nope".toCharArray())));
        assertTrue(wrong.getMessage().contains("wrong password"), wrong.getMessage());
    }

    @Test
    void shouldRefuseAKeyThatIsNotTheCertificates() throws Exception {
        Path rsa = pkcs8Rsa();
        Path certificate = certificateFor(rsa);
        Path other = dir.resolve("other.pem");
        TestCertificates.openssl(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", other.toString());
        TlsSetupException e = assertThrows(TlsSetupException.class,
                () -> TlsContext.load(new TlsConfig(certificate, other)));
        assertTrue(e.getMessage().contains("does not match") && e.getMessage().contains(other.toString())
                && e.getMessage().contains(certificate.toString()), e.getMessage());
        Path ec = pkcs8Ec();
        TlsSetupException kinds = assertThrows(TlsSetupException.class,
                () -> TlsContext.load(new TlsConfig(certificate, ec)));
        assertTrue(kinds.getMessage().contains("does not match"), kinds.getMessage());
    }

    @Test
    void shouldNameMissingGarbageAndEmptyFiles() throws Exception {
        Path rsa = pkcs8Rsa();
        Path certificate = certificateFor(rsa);
        Path missing = dir.resolve("missing.pem");
        assertMessage(() -> TlsContext.load(new TlsConfig(missing, rsa)), missing, "does not exist");
        assertMessage(() -> TlsContext.load(new TlsConfig(certificate, missing)), missing, "does not exist");

        Path garbage = dir.resolve("garbage.pem");
        Files.write(garbage, new byte[] {0, 1, 2, (byte) 0xff, 'x'});
        assertMessage(() -> TlsContext.load(new TlsConfig(garbage, rsa)), garbage, "not a PEM file");
        assertMessage(() -> TlsContext.load(new TlsConfig(certificate, garbage)), garbage, "not a PEM file");

        // Each file given in the other's place.
        assertMessage(() -> TlsContext.load(new TlsConfig(rsa, rsa)), rsa, "no PEM certificate");
        assertMessage(() -> TlsContext.load(new TlsConfig(certificate, certificate)), certificate, "no PEM private key");

        Path badBase64 = dir.resolve("bad64.pem");
        Files.writeString(badBase64, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        assertMessage(() -> TlsContext.load(new TlsConfig(badBase64, rsa)), badBase64, "base64");
        Path badDer = dir.resolve("baddder.pem");
        Files.writeString(badDer, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertMessage(() -> TlsContext.load(new TlsConfig(badDer, rsa)), badDer, "not a valid X.509 certificate");
        Path badKey = dir.resolve("badkey.pem");
        Files.writeString(badKey, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertMessage(() -> TlsContext.load(new TlsConfig(certificate, badKey)), badKey, "malformed");
        assertMessage(() -> TlsContext.load(new TlsConfig(dir, rsa)), dir, "is a directory");
    }

    @Test
    void shouldRefuseLegacyEncryptedPemWithTheCommandThatConvertsIt() throws Exception {
        Path rsa = pkcs8Rsa();
        Path legacy = dir.resolve("legacy.pem");
        TestCertificates.openssl(dir, "rsa", "-in", rsa.toString(), "-traditional", "-aes256", "-passout", "pass:x",
                "-out", legacy.toString());
        assertMessage(() -> TlsContext.load(new TlsConfig(certificateFor(rsa), legacy, "x".toCharArray())), legacy,
                "openssl pkcs8 -topk8");
    }

    /** An expired certificate still loads (a clock may be wrong); the warning goes to the log. */
    @Test
    void shouldLoadAnExpiredCertificate() throws Exception {
        Path store = dir.resolve("old.p12");
        TestCertificates.run(dir, List.of("keytool", "-genkeypair", "-keystore", store.toString(), "-storepass",
                "changeit", "-alias", "old", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=old",
                "-startdate", "-10d", "-validity", "2"));
        Path certificate = dir.resolve("old.crt");
        Path key = dir.resolve("old.key");
        TestCertificates.openssl(dir, "pkcs12", "-in", store.toString(), "-passin", "pass:changeit", "-nokeys",
                "-out", certificate.toString());
        TestCertificates.openssl(dir, "pkcs12", "-in", store.toString(), "-passin", "pass:changeit", "-nocerts",
                "-nodes", "-out", key.toString());
        assertNotNull(TlsContext.load(new TlsConfig(certificate, key)));
        assertTrue(PemFiles.readCertificates(certificate).get(0).getNotAfter().getTime() < System.currentTimeMillis());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, Path file, String problem) {
        TlsSetupException e = assertThrows(TlsSetupException.class, call);
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(problem), e.getMessage());
    }

    @Test
    void shouldFallBackToTheJdksEngineOnAutoAndNameAMissingOne() throws Exception {
        TestCertificates certificates = TestCertificates.localhost();
        // yimmo-core's tests have no engine provider on the class path.
        assertEquals(TlsContext.ENGINE_JDK, certificates.serverContext(TlsContext.ENGINE_AUTO).engine());
        assertEquals(TlsContext.ENGINE_JDK, certificates.serverContext(TlsContext.ENGINE_JDK).engine());
        TlsSetupException missing = assertThrows(TlsSetupException.class, () -> certificates.serverContext("openssl"));
        assertEquals("TLS engine 'openssl' is not on the class path (engines here: jdk)", missing.getMessage());
    }
}
