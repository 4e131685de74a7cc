package org.yimmo.tls.openssl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yimmo.core.tls.TestCertificates;
import org.yimmo.core.tls.TlsConfig;
import org.yimmo.core.tls.TlsContext;
import org.yimmo.core.tls.TlsSetupException;

/**
 * The engine on one libssl {@link Flavor} against the JDK's client engine, in memory, and the
 * provider's setup: every test runs on each flavor.
 */
abstract class LibsslEngineTest {

    private static TestCertificates rsa;
    static List<X509Certificate> chain;
    static PrivateKey key;
    static SSLContext client;

    @BeforeAll
    static void certificates() throws Exception {
        rsa = TestCertificates.localhost();
        chain = certificates(rsa.certificate());
        key = privateKey(rsa.key(), "RSA");
        client = trusting(rsa.certificate());
    }

    // ---------------------------------------------------------------- handshake

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void shouldHandshakeAndExchangeData(String version) throws Exception {
        EnginePair pair = new EnginePair(context(chain, key, "http/1.1"), client, version, "h2", "http/1.1");
        assertEquals(HandshakeStatus.NEED_UNWRAP, pair.server.getHandshakeStatus());
        assertNull(pair.server.getApplicationProtocol());
        pair.handshake();
        assertEquals(version, pair.server.getSession().getProtocol());
        assertEquals(pair.client.getSession().getCipherSuite(), pair.server.getSession().getCipherSuite());
        assertEquals("http/1.1", pair.server.getApplicationProtocol());
        assertEquals("http/1.1", pair.client.getApplicationProtocol());
        assertEquals(16709, pair.server.getSession().getPacketBufferSize());
        assertEquals(16384, pair.server.getSession().getApplicationBufferSize());

        byte[] request = bytes(1000, 1);
        pair.clientSends(request);
        pair.deliverToServer();
        assertArrayEquals(request, EnginePair.take(pair.serverApp));

        byte[] response = bytes(40_000, 2);
        ByteBuffer src = ByteBuffer.allocateDirect(response.length).put(response).flip();
        while (src.hasRemaining()) {
            SSLEngineResult r = pair.server.wrap(src, pair.toClient);
            assertEquals(Status.OK, r.getStatus());
            assertTrue(r.bytesConsumed() <= 16384);
        }
        pair.deliverToClient();
        assertArrayEquals(response, EnginePair.take(pair.clientApp));
        pair.server.close();
    }

    @Test
    void shouldReportFinishedOnceOnTheStepThatCompletesTheHandshake() throws Exception {
        EnginePair pair = new EnginePair(context(chain, key), client, "TLSv1.3");
        pair.client.beginHandshake();
        int finished = 0;
        for (int step = 0; step < 50; step++) {
            pair.stepClient();
            pair.toServer.flip();
            while (pair.toServer.hasRemaining()) {
                SSLEngineResult r = pair.server.unwrap(pair.toServer, pair.serverApp);
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    finished++;
                }
                if (r.getStatus() == Status.BUFFER_UNDERFLOW) {
                    break;
                }
            }
            pair.toServer.compact();
            pair.flushServer();
        }
        assertEquals(1, finished);
        assertEquals(HandshakeStatus.NOT_HANDSHAKING, pair.server.getHandshakeStatus());
    }

    @Test
    void shouldGoOnWithoutAlpnWhenTheClientOffersNoneOfOurs() throws Exception {
        EnginePair pair = new EnginePair(context(chain, key, "http/1.1"), client, "TLSv1.3", "h2");
        pair.handshake();
        assertEquals("", pair.server.getApplicationProtocol());
        EnginePair none = new EnginePair(context(chain, key), client, "TLSv1.2", "h2", "http/1.1");
        none.handshake();
        assertEquals("", none.server.getApplicationProtocol());
    }

    // ---------------------------------------------------------------- records

    @Test
    void shouldAskForTheRestOfAPartialRecord() throws Exception {
        EnginePair pair = established("TLSv1.3");
        pair.clientSends(bytes(500, 3));
        pair.toServer.flip();
        int whole = pair.toServer.remaining();
        ByteBuffer part = pair.toServer.duplicate().limit(whole - 1);
        for (ByteBuffer partial : List.of(part.duplicate().limit(3), part)) {
            SSLEngineResult r = pair.server.unwrap(partial, pair.serverApp);
            assertEquals(Status.BUFFER_UNDERFLOW, r.getStatus());
            assertEquals(0, r.bytesConsumed());
            assertEquals(0, partial.position());
        }
        SSLEngineResult r = pair.server.unwrap(pair.toServer, pair.serverApp);
        assertEquals(Status.OK, r.getStatus());
        assertEquals(whole, r.bytesConsumed());
        assertEquals(500, r.bytesProduced());
    }

    @Test
    void shouldRefuseASmallDestination() throws Exception {
        EnginePair pair = established("TLSv1.3");
        pair.clientSends(bytes(500, 4));
        pair.toServer.flip();
        ByteBuffer small = ByteBuffer.allocateDirect(100);
        SSLEngineResult r = pair.server.unwrap(pair.toServer, small);
        assertEquals(Status.BUFFER_OVERFLOW, r.getStatus());
        assertEquals(0, r.bytesConsumed());
        assertEquals(0, small.position());

        ByteBuffer data = ByteBuffer.allocateDirect(1000).put(bytes(1000, 5)).flip();
        r = pair.server.wrap(data, ByteBuffer.allocateDirect(1000));
        assertEquals(Status.BUFFER_OVERFLOW, r.getStatus());
        assertEquals(0, r.bytesConsumed());
        assertEquals(0, data.position());
    }

    @Test
    void shouldGatherBuffersIntoOneRecord() throws Exception {
        EnginePair pair = established("TLSv1.3");
        byte[] a = bytes(300, 6);
        byte[] b = bytes(700, 7);
        ByteBuffer[] srcs = {ByteBuffer.allocateDirect(300).put(a).flip(), ByteBuffer.wrap(b)};
        SSLEngineResult r = pair.server.wrap(srcs, 0, 2, pair.toClient);
        assertEquals(1000, r.bytesConsumed());
        assertFalse(srcs[0].hasRemaining() || srcs[1].hasRemaining());
        // BoringSSL sends its session tickets with the first data: the data is the last record.
        ByteBuffer records = pair.toClient.duplicate().flip();
        int body = 0;
        while (records.hasRemaining()) {
            body = (records.get(records.position() + 3) & 0xff) << 8 | records.get(records.position() + 4) & 0xff;
            records.position(records.position() + 5 + body);
        }
        assertEquals(1000 + 1 + 16, body, "one record: the data, its content type and the tag");
        pair.deliverToClient();
        byte[] both = new byte[1000];
        System.arraycopy(a, 0, both, 0, 300);
        System.arraycopy(b, 0, both, 300, 700);
        assertArrayEquals(both, EnginePair.take(pair.clientApp));
    }

    @Test
    void shouldWorkOnHeapBuffers() throws Exception {
        EnginePair pair = established("TLSv1.2");
        byte[] request = bytes(3000, 8);
        pair.clientSends(request);
        pair.toServer.flip();
        ByteBuffer heapIn = ByteBuffer.allocate(pair.toServer.remaining()).put(pair.toServer).flip();
        pair.toServer.clear();
        ByteBuffer heapApp = ByteBuffer.allocate(20_000);
        SSLEngineResult r = pair.server.unwrap(heapIn, heapApp);
        assertEquals(3000, r.bytesProduced());
        assertArrayEquals(request, EnginePair.take(heapApp));

        ByteBuffer heapOut = ByteBuffer.allocate(20_000);
        r = pair.server.wrap(ByteBuffer.wrap(request), heapOut);
        assertEquals(3000, r.bytesConsumed());
        pair.toClient.put(heapOut.flip());
        pair.deliverToClient();
        assertArrayEquals(request, EnginePair.take(pair.clientApp));
    }

    @Test
    void shouldGoOnAfterAKeyUpdateWithDataRightBehindIt() throws Exception {
        EnginePair pair = established("TLSv1.3");
        pair.client.beginHandshake(); // TLS 1.3: a KeyUpdate asking for ours
        pair.stepClient();
        pair.clientSends(bytes(2000, 9)); // behind it, before any answer, as SSLSocket sends it
        pair.deliverToServer();
        assertArrayEquals(bytes(2000, 9), EnginePair.take(pair.serverApp));
        byte[] response = bytes(100, 10);
        // OpenSSL sends its KeyUpdate in front of its next record (RFC 8446 4.6.3 allows it).
        SSLEngineResult r = pair.server.wrap(ByteBuffer.wrap(response), pair.toClient);
        assertEquals(100, r.bytesConsumed());
        assertTrue(r.bytesProduced() > 100 + 22 + 5, "a KeyUpdate record and the data's");
        pair.deliverToClient();
        assertArrayEquals(response, EnginePair.take(pair.clientApp));
        pair.clientSends(response);
        pair.deliverToServer();
        assertArrayEquals(response, EnginePair.take(pair.serverApp));
    }

    /**
     * OpenSSL cannot take data behind a renegotiating ClientHello: renegotiation is refused with
     * a warning and the session goes on. BoringSSL never renegotiates as a server: its refusal is
     * fatal, with the alert still sent.
     */
    @Test
    void shouldRefuseATls12Renegotiation() throws Exception {
        EnginePair pair = established("TLSv1.2");
        pair.client.beginHandshake();
        pair.stepClient();
        if (flavor() == Flavor.BORINGSSL) {
            SSLException e = assertThrows(SSLException.class, pair::deliverToServer);
            assertTrue(e.getMessage().contains("NO_RENEGOTIATION"), e.getMessage());
            ByteBuffer alert = ByteBuffer.allocateDirect(100);
            assertTrue(pair.server.wrap(ByteBuffer.allocate(0), alert).bytesProduced() > 0, "the alert");
            assertEquals(21, alert.get(0), "an alert record");
            assertTrue(pair.server.isOutboundDone());
            return;
        }
        SSLEngineResult r = pair.deliverToServer();
        assertEquals(Status.OK, r.getStatus());
        assertEquals(HandshakeStatus.NEED_WRAP, r.getHandshakeStatus(), "the no_renegotiation warning");
        ByteBuffer alert = ByteBuffer.allocateDirect(100);
        pair.server.wrap(ByteBuffer.allocate(0), alert);
        assertEquals(21, alert.get(0), "an alert record");
        byte[] more = bytes(100, 12);
        ByteBuffer out = ByteBuffer.allocateDirect(1000);
        assertEquals(100, pair.server.wrap(ByteBuffer.wrap(more), out).bytesConsumed(), "the session goes on");
    }

    // ---------------------------------------------------------------- closing and failing

    @Test
    void shouldSendAndReceiveCloseNotify() throws Exception {
        EnginePair pair = established("TLSv1.3");
        pair.server.closeOutbound();
        assertFalse(pair.server.isOutboundDone());
        assertEquals(HandshakeStatus.NEED_WRAP, pair.server.getHandshakeStatus());
        SSLEngineResult r = pair.server.wrap(ByteBuffer.allocate(0), pair.toClient);
        assertEquals(Status.CLOSED, r.getStatus());
        assertTrue(r.bytesProduced() > 0);
        assertTrue(pair.server.isOutboundDone());
        pair.deliverToClient();
        assertTrue(pair.client.isInboundDone());

        pair.client.closeOutbound();
        pair.client.wrap(ByteBuffer.allocate(0), pair.toServer);
        SSLEngineResult in = pair.deliverToServer();
        assertEquals(Status.CLOSED, in.getStatus());
        assertTrue(pair.server.isInboundDone());
        assertEquals(Status.CLOSED, pair.server.unwrap(ByteBuffer.allocate(0), pair.serverApp).getStatus());
        pair.server.closeInbound(); // after close_notify: no complaint
    }

    @Test
    void shouldFailOnAGarbageRecordAndStillSendTheAlert() throws Exception {
        EnginePair pair = established("TLSv1.3");
        pair.toServer.put(new byte[] {0x17, 0x03, 0x03, 0x00, 0x20}).put(new byte[0x20]);
        SSLException e = assertThrows(SSLException.class, pair::deliverToServer);
        String message = e.getMessage().toLowerCase(Locale.ROOT);
        assertTrue(message.contains("bad record mac") || message.contains("decrypt"), message);
        assertEquals(HandshakeStatus.NEED_WRAP, pair.server.getHandshakeStatus());
        SSLEngineResult r = pair.server.wrap(ByteBuffer.allocate(0), pair.toClient);
        assertTrue(r.bytesProduced() > 0, "the alert");
        assertTrue(pair.server.isOutboundDone());
        assertThrows(SSLException.class, () -> pair.server.unwrap(pair.toServer.flip(), pair.serverApp));
    }

    @Test
    void shouldFailAHandshakeOnGarbage() throws Exception {
        EnginePair pair = new EnginePair(context(chain, key), client, "TLSv1.3");
        ByteBuffer garbage = ByteBuffer.wrap(new byte[] {0x16, 0x03, 0x03, 0x00, 0x04, 1, 2, 3, 4});
        assertThrows(javax.net.ssl.SSLHandshakeException.class, () -> pair.server.unwrap(garbage, pair.serverApp));
        assertEquals(HandshakeStatus.NEED_WRAP, pair.server.getHandshakeStatus());
        assertTrue(pair.server.wrap(ByteBuffer.allocate(0), pair.toClient).bytesProduced() > 0);
        assertEquals(HandshakeStatus.NOT_HANDSHAKING, pair.server.getHandshakeStatus());
        // An error of this connection never shows in another's message.
        EnginePair next = new EnginePair(context(chain, key), client, "TLSv1.3");
        next.handshake();
    }

    @Test
    void shouldThrowAfterCloseWithoutTouchingTheFreedSsl() throws Exception {
        EnginePair pair = established("TLSv1.3");
        pair.clientSends(bytes(10, 11));
        pair.server.close();
        pair.server.close();
        pair.toServer.flip();
        assertThrows(SSLException.class, () -> pair.server.unwrap(pair.toServer, pair.serverApp));
        assertThrows(SSLException.class, () -> pair.server.wrap(ByteBuffer.wrap(new byte[10]), pair.toClient));
        assertEquals(HandshakeStatus.NOT_HANDSHAKING, pair.server.getHandshakeStatus());
        pair.server.closeOutbound();
        assertTrue(pair.server.isOutboundDone());
        assertTrue(pair.server.isInboundDone());
    }

    @Test
    void shouldBeServerSideOnly() throws Exception {
        OpenSslEngine engine = (OpenSslEngine) context(chain, key).newEngine(null);
        assertThrows(IllegalArgumentException.class, () -> engine.setUseClientMode(true));
        assertNull(engine.getDelegatedTask());
        engine.close();
    }

    // ---------------------------------------------------------------- provider

    @ParameterizedTest
    @ValueSource(strings = {"rsa:2048", "ec"})
    void shouldServeRsaAndEcCertificatesThroughTlsContext(String keyType) throws Exception {
        Path dir = Files.createTempDirectory("yimmo-openssl-test");
        Path cert = dir.resolve("cert.pem");
        Path keyFile = dir.resolve("key.pem");
        List<String> args = new ArrayList<>(List.of("req", "-x509", "-newkey", keyType));
        if (keyType.equals("ec")) {
            args.addAll(List.of("-pkeyopt", "ec_paramgen_curve:P-256"));
        }
        args.addAll(List.of("-nodes", "-keyout", keyFile.toString(), "-out", cert.toString(), "-days", "2",
                "-subj", "/CN=localhost"));
        TestCertificates.openssl(dir, args.toArray(String[]::new));
        TlsContext context = TlsContext.load(new TlsConfig(cert, keyFile), flavor().engineName);
        assertTrue(context.engine().startsWith(flavor().engineName + " (" + flavor().versionPrefix), context.engine());

        OpenSslContext factory = new OpenSslContext(OpenSsl.library(flavor(), null), certificates(cert),
                privateKey(keyFile, keyType.equals("ec") ? "EC" : "RSA"), List.of("http/1.1"));
        for (String version : List.of("TLSv1.3", "TLSv1.2")) {
            EnginePair pair = new EnginePair(factory, trusting(cert), version, "http/1.1");
            pair.handshake();
            String suite = pair.server.getSession().getCipherSuite();
            assertTrue(version.equals("TLSv1.3") || suite.contains(keyType.equals("ec") ? "_ECDSA_" : "_RSA_"), suite);
        }
    }

    @Test
    void shouldSendTheWholeChain() throws Exception {
        Path dir = Files.createTempDirectory("yimmo-openssl-chain");
        TestCertificates.openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test CA");
        TestCertificates.openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost");
        Files.writeString(dir.resolve("ext"), "subjectAltName=DNS:localhost\n");
        TestCertificates.openssl(dir, "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "ext");
        List<X509Certificate> leafAndCa = new ArrayList<>(certificates(dir.resolve("leaf.pem")));
        leafAndCa.addAll(certificates(dir.resolve("ca.pem")));
        OpenSslContext factory = new OpenSslContext(OpenSsl.library(flavor(), null), leafAndCa,
                privateKey(dir.resolve("leaf.key"), "EC"), List.of());
        EnginePair pair = new EnginePair(factory, trusting(dir.resolve("ca.pem")), "TLSv1.3");
        pair.handshake();
        assertEquals(2, pair.client.getSession().getPeerCertificates().length);
    }

    @Test
    void shouldLoadTheLibraryAtAPathAndSayWhyOneCannotBeLoaded(@TempDir Path dir) throws Exception {
        LibsslEngineProvider provider = new LibsslEngineProvider(flavor()) { };
        Path installed = Path.of(flavor() == Flavor.OPENSSL ? "/usr/lib/x86_64-linux-gnu/libssl.so.3" : flavor().sslNames[0]);
        EnginePair pair = new EnginePair((OpenSslContext) provider.newFactory(chain, key, List.of(), installed), client,
                "TLSv1.3");
        pair.handshake();
        assertEquals("TLSv1.3", pair.server.getSession().getProtocol());

        Path missing = dir.resolve("libssl.so.3");
        assertEquals("TLS library " + missing + " does not exist", assertThrows(TlsSetupException.class,
                () -> provider.newFactory(chain, key, List.of(), missing)).getMessage());
        Path notLibssl = dir.resolve("libtls.so");
        assertTrue(assertThrows(TlsSetupException.class, () -> provider.newFactory(chain, key, List.of(), notLibssl))
                .getMessage().startsWith("TLS library " + notLibssl + " is not a libssl"));
        Path garbage = Files.writeString(dir.resolve("libssl.so.9"), "not a library");
        Files.writeString(dir.resolve("libcrypto.so.9"), "not a library");
        TlsSetupException e = assertThrows(TlsSetupException.class, () -> provider.newFactory(chain, key, List.of(), garbage));
        assertTrue(e.getMessage().startsWith("cannot load " + flavor().versionPrefix + "'s libssl (tried " + garbage + "): "),
                e.getMessage());
        assertTrue(e.getMessage().contains("Debian's package: " + flavor().debianPackage), e.getMessage());
    }

    @Test
    void shouldRefuseAKeyThatIsNotTheCertificates() throws Exception {
        Path dir = Files.createTempDirectory("yimmo-openssl-mismatch");
        TestCertificates.openssl(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "other.key");
        PrivateKey other = privateKey(dir.resolve("other.key"), "RSA");
        TlsSetupException e = assertThrows(TlsSetupException.class,
                () -> context(chain, other));
        String prefix = flavor().versionPrefix + ": SSL_CTX_use_PrivateKey failed";
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).matches(".*key.values.mismatch.*"), e.getMessage());
    }

    @Test
    void shouldRefuseALibraryOfTheOtherFamily() {
        Flavor other = flavor() == Flavor.OPENSSL ? Flavor.BORINGSSL : Flavor.OPENSSL;
        TlsSetupException e = assertThrows(TlsSetupException.class,
                () -> OpenSsl.load(flavor(), other.sslNames, other.cryptoNames));
        assertTrue(e.getMessage().contains("cannot load " + flavor().versionPrefix), e.getMessage());
    }

    /**
     * Neither family may join the process's global symbol scope: there, one would take the
     * other's calls, and BoringSSL's (unversioned) OpenSSL's in Python's {@code _ssl}.
     */
    @Test
    void shouldKeepTheLibraryOutOfTheGlobalSymbolScope() {
        assertEquals(flavor(), OpenSsl.library(flavor(), null).flavor);
        for (String symbol : List.of("SSL_new", "SSL_CTX_new", "BIO_new", "ERR_get_error")) {
            assertEquals(0, com.kenai.jffi.Library.getDefault().getSymbolAddress(symbol), symbol + " is global");
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The library family this run of the tests binds. */
    abstract Flavor flavor();

    private OpenSslContext context(List<X509Certificate> chain, PrivateKey key, String... alpn) {
        return new OpenSslContext(OpenSsl.library(flavor(), null), chain, key, List.of(alpn));
    }

    private EnginePair established(String version) throws SSLException {
        EnginePair pair = new EnginePair(context(chain, key, "http/1.1"), client, version, "http/1.1");
        pair.handshake();
        return pair;
    }

    private static byte[] bytes(int n, long seed) {
        byte[] data = new byte[n];
        new Random(seed).nextBytes(data);
        return data;
    }

    static List<X509Certificate> certificates(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            List<X509Certificate> list = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                list.add((X509Certificate) c);
            }
            return list;
        }
    }

    static PrivateKey privateKey(Path pem, String algorithm) throws Exception {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        String base64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s+", "");
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    static SSLContext trusting(Path certificate) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("server", certificates(certificate).get(0));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
