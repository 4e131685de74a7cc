package org.yimmo.core.tls;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yimmo.core.buffer.BufferPool;
import org.yimmo.core.net.ProtocolFactory;

/**
 * A server's TLS settings: the JDK {@link SSLContext} with its certificate, TLS 1.3 and 1.2 only,
 * the JDK's default (modern) cipher suites in the server's order of preference, ALPN answering
 * {@code http/1.1} when the client offers it (and going on without ALPN when it does not), and
 * where the engine's delegated tasks (the handshake's public-key work) run.
 *
 * <p>{@link #wrap} turns any protocol into the same protocol over TLS, on any reactor: each
 * accepted connection is decorated by a {@link TlsConnection}.
 *
 * <p>Immutable and thread safe, but for the per-reactor-thread pools of network buffers, which
 * each reactor thread makes for itself on first use.
 */
public final class TlsContext {

    private static final Logger LOG = LoggerFactory.getLogger(TlsContext.class);
    /** The protocol versions offered, newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    public static final String HTTP_1_1 = "http/1.1";
    private static final int MAX_POOLED = 256;

    /** {@code --tls-engine}: a provider's engine when one can be used here, else the JDK's. */
    public static final String ENGINE_AUTO = "auto";
    /** {@code --tls-engine}: the JDK's own {@link SSLEngine}. */
    public static final String ENGINE_JDK = "jdk";

    private final SSLContext sslContext;
    private final List<String> applicationProtocols;
    private final Executor delegatedTasks;
    /** Another engine than the JDK's, or null. */
    private final ProvidedEngines provided;
    private final String[] protocols;
    private final int bufferSize;
    private final ThreadLocal<BufferPool> pools;

    private TlsContext(SSLContext sslContext, List<String> applicationProtocols, Executor delegatedTasks,
            ProvidedEngines provided) {
        this.sslContext = sslContext;
        this.applicationProtocols = List.copyOf(applicationProtocols);
        this.delegatedTasks = delegatedTasks;
        this.provided = provided;
        SSLEngine probe = sslContext.createSSLEngine();
        this.protocols = PROTOCOLS.stream()
                .filter(p -> Arrays.asList(probe.getSupportedProtocols()).contains(p)).toArray(String[]::new);
        if (protocols.length == 0) {
            throw new TlsSetupException("the JDK's TLS provider supports neither TLS 1.3 nor TLS 1.2");
        }
        int packet = probe.getSession().getPacketBufferSize();
        int application = probe.getSession().getApplicationBufferSize();
        this.bufferSize = (Math.max(packet, application) + 1023) & ~1023;
        this.pools = ThreadLocal.withInitial(() -> new BufferPool(bufferSize, MAX_POOLED));
    }

    /**
     * Loads the PEM certificate chain and private key of {@code config}, checks that the key is
     * the certificate's, and warns (naming the file and the dates) when the certificate is
     * expired or not yet valid: the server starts anyway, as a clock may be wrong.
     *
     * @throws TlsSetupException naming the file and the problem
     */
    public static TlsContext load(TlsConfig config) {
        return load(config, ENGINE_AUTO);
    }

    /**
     * As {@link #load(TlsConfig)}, with the engine named: {@value #ENGINE_JDK}, a
     * {@link TlsEngineProvider}'s name, or {@value #ENGINE_AUTO} (the first
     * {@linkplain TlsEngineProvider#automatic() automatic} provider on the class path that can be
     * used here, else the JDK's).
     *
     * @throws TlsSetupException naming the file and the problem, or the engine and why it cannot
     *                           be used
     */
    public static TlsContext load(TlsConfig config, String engine) {
        return load(config, engine, null);
    }

    /**
     * As {@link #load(TlsConfig, String)}, with the engine's native library chosen by its path
     * (a libssl the operator built or keeps up to date) rather than found where the engine looks
     * by default; only for an engine named, and one that loads a library.
     *
     * @param library the library's file, or null for the engine's default
     * @throws TlsSetupException as {@link #load(TlsConfig, String)}, or naming the library and
     *                           why it cannot be used
     */
    public static TlsContext load(TlsConfig config, String engine, Path library) {
        Objects.requireNonNull(engine, "engine");
        if (library != null && (engine.equals(ENGINE_AUTO) || engine.equals(ENGINE_JDK))) {
            throw new TlsSetupException("a TLS library (" + library + ") is for an engine that loads one: name it"
                    + " (openssl or boringssl), not " + engine);
        }
        List<X509Certificate> chain = PemFiles.readCertificates(config.certificate());
        char[] password = config.password();
        PrivateKey key;
        try {
            key = PemFiles.readPrivateKey(config.privateKey(), password);
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
        checkKeyMatches(config.certificate(), chain.get(0), config.privateKey(), key);
        warnIfNotValidNow(config.certificate(), chain.get(0));
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] storePassword = new char[0];
            store.setKeyEntry("server", key, storePassword, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, storePassword);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, new SecureRandom());
            TlsContext jdk = of(context);
            return engine.equals(ENGINE_JDK) ? jdk : jdk.withProvidedEngines(engine, library, chain, key);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsSetupException("cannot use certificate " + config.certificate() + " with key "
                    + config.privateKey() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A context over an {@link SSLContext} the caller made (from a key store, say); ALPN offers
     * {@code http/1.1}; delegated tasks run on the shared task threads.
     */
    public static TlsContext of(SSLContext sslContext) {
        return new TlsContext(Objects.requireNonNull(sslContext, "sslContext"), List.of(HTTP_1_1),
                TaskThreads.EXECUTOR, null);
    }

    /**
     * Where the engine's delegated tasks (key exchange and signature, about a millisecond each
     * with RSA 2048) run: by default on a few shared daemon threads, their result posted back to
     * the reactor, so a handshake never stalls the reactor thread. {@code null} runs them inline
     * on the reactor thread (fewer thread hops, for benchmarks and tiny deployments).
     */
    public TlsContext withDelegatedTasks(Executor executor) {
        return new TlsContext(sslContext, applicationProtocols, executor, provided);
    }

    /** The ALPN protocols this server accepts, in its order of preference; none disables ALPN. */
    public TlsContext withApplicationProtocols(String... names) {
        List<String> protocols = List.of(names);
        return new TlsContext(sslContext, protocols, delegatedTasks,
                provided == null ? null : provided.withApplicationProtocols(protocols));
    }

    /**
     * The engine the connections get: {@value #ENGINE_JDK}, or the provider's name with what
     * its factory says of itself ({@code openssl (OpenSSL 3.0.19 ...)}).
     */
    public String engine() {
        return provided == null ? ENGINE_JDK : provided.provider().name() + " (" + provided.factory().describe() + ")";
    }

    private TlsContext withProvidedEngines(String engine, Path library, List<X509Certificate> chain, PrivateKey key) {
        boolean auto = engine.equals(ENGINE_AUTO);
        List<String> names = new ArrayList<>();
        for (TlsEngineProvider provider : ServiceLoader.load(TlsEngineProvider.class, TlsContext.class.getClassLoader())) {
            names.add(provider.name());
            if (auto ? !provider.automatic() : !provider.name().equals(engine)) {
                continue;
            }
            try {
                TlsEngineFactory factory = provider.newFactory(chain, key, applicationProtocols, library);
                return new TlsContext(sslContext, applicationProtocols, delegatedTasks,
                        new ProvidedEngines(provider, library, chain, key, factory));
            } catch (TlsSetupException e) {
                if (!auto) {
                    throw new TlsSetupException("TLS engine '" + engine + "' cannot be used: " + e.getMessage(), e);
                }
                LOG.info("TLS engine '{}' cannot be used ({}); using the JDK's", provider.name(), e.getMessage());
            }
        }
        if (auto) {
            return this;
        }
        throw new TlsSetupException("TLS engine '" + engine + "' is not on the class path (engines here: "
                + ENGINE_JDK + (names.isEmpty() ? "" : ", " + String.join(", ", names)) + ")");
    }

    public SSLContext sslContext() {
        return sslContext;
    }

    /**
     * {@code protocol} over TLS: every connection is decorated by a {@link TlsConnection} that
     * completes the handshake, within {@code handshakeTimeout}, before {@code protocol}'s
     * handler sees it.
     */
    public ProtocolFactory wrap(ProtocolFactory protocol, Duration handshakeTimeout) {
        Objects.requireNonNull(protocol, "protocol");
        long timeoutNanos = handshakeTimeout.toNanos();
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("handshakeTimeout must be positive: " + handshakeTimeout);
        }
        return raw -> new TlsConnection(this, raw, protocol, timeoutNanos).driver();
    }

    /**
     * A server-side engine for one connection from {@code peer} (null if unknown), as
     * {@link #wrap} gives each one; for callers that move records themselves (benchmarks).
     */
    public SSLEngine newEngine(SocketAddress peer) {
        if (provided != null) {
            return provided.factory().newEngine(peer);
        }
        SSLEngine engine = peer instanceof InetSocketAddress address
                ? sslContext.createSSLEngine(address.getHostString(), address.getPort())
                : sslContext.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(protocols);
        parameters.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(parameters);
        if (!applicationProtocols.isEmpty()) {
            // "" when the client offers none we speak: go on without ALPN rather than fail.
            engine.setHandshakeApplicationProtocolSelector((e, offered) -> {
                for (String name : applicationProtocols) {
                    if (offered.contains(name)) {
                        return name;
                    }
                }
                return "";
            });
        }
        return engine;
    }

    Executor delegatedTasks() {
        return delegatedTasks;
    }

    /** Network buffers of this reactor thread; reactor thread only. */
    BufferPool buffers() {
        return pools.get();
    }

    int bufferSize() {
        return bufferSize;
    }

    private static void checkKeyMatches(Path certificateFile, X509Certificate certificate, Path keyFile,
            PrivateKey key) {
        PublicKey publicKey = certificate.getPublicKey();
        boolean matches;
        try {
            matches = matches(publicKey, key);
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException("private key file " + keyFile + ": cannot check the key against certificate "
                    + certificateFile + ": " + e.getMessage(), e);
        }
        if (!matches) {
            throw new TlsSetupException("private key file " + keyFile + " does not match certificate file "
                    + certificateFile + " (the key is not the certificate's: " + key.getAlgorithm() + " key, "
                    + publicKey.getAlgorithm() + " certificate for " + certificate.getSubjectX500Principal() + ")");
        }
    }

    /** Signs a random message with the key and verifies it with the certificate's public key. */
    private static boolean matches(PublicKey publicKey, PrivateKey key) throws GeneralSecurityException {
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        if (key instanceof RSAKey rsa && publicKey instanceof RSAKey rsaPublic
                && !rsa.getModulus().equals(rsaPublic.getModulus())) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "DSA" -> "SHA256withDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null; // RSASSA-PSS: the modulus comparison above is the check
        };
        if (algorithm == null) {
            return true;
        }
        byte[] message = new byte[32];
        new SecureRandom().nextBytes(message);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(message);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(publicKey);
        verifier.update(message);
        return verifier.verify(signature);
    }

    private static void warnIfNotValidNow(Path file, X509Certificate certificate) {
        try {
            certificate.checkValidity();
        } catch (CertificateExpiredException e) {
            LOG.warn("certificate {} ({}) expired on {} (valid from {}); serving it anyway", file,
                    certificate.getSubjectX500Principal(), certificate.getNotAfter().toInstant(),
                    certificate.getNotBefore().toInstant());
        } catch (CertificateNotYetValidException e) {
            LOG.warn("certificate {} ({}) is not valid before {} (until {}); serving it anyway", file,
                    certificate.getSubjectX500Principal(), certificate.getNotBefore().toInstant(),
                    certificate.getNotAfter().toInstant());
        }
    }

    /** A provider's engines, with what they were made from, to make them again for other ALPN names. */
    private record ProvidedEngines(TlsEngineProvider provider, Path library, List<X509Certificate> chain,
            PrivateKey key, TlsEngineFactory factory) {

        ProvidedEngines withApplicationProtocols(List<String> protocols) {
            return new ProvidedEngines(provider, library, chain, key, provider.newFactory(chain, key, protocols, library));
        }
    }

    /** Daemon threads for delegated tasks, shared by every context, made on first use. */
    private static final class TaskThreads {
        static final ExecutorService EXECUTOR;

        static {
            AtomicInteger count = new AtomicInteger();
            int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
            EXECUTOR = Executors.newFixedThreadPool(threads, task -> {
                Thread thread = new Thread(task, "yimmo-tls-task-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
        }
    }
}
