package org.yimmo.tls.openssl;

import com.kenai.jffi.Library;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yimmo.core.tls.TlsSetupException;
import org.yimmo.posix.NativeMemory;

/**
 * One loaded libssl of a {@link Flavor}: the binding, its jnr runtime, the numbers this module
 * uses, and the error queue read as text. Each flavor's default library is loaded once, on first
 * use.
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

    /** Each library loaded: an OpenSsl, or the TlsSetupException that says why not. */
    private static final Map<Loaded, Object> LOADED = new HashMap<>();

    final Flavor flavor;
    final LibSsl lib;
    final Flavor.ContextCalls contextCalls;
    final jnr.ffi.Runtime runtime;
    final String version;
    /** BIO_s_mem(): a static method table, asked once. */
    final long memMethod;
    /** The dlopen handles, opened RTLD_LOCAL: held so that they stay what jnr bound to. */
    @SuppressWarnings("unused")
    private final Library[] handles;

    private OpenSsl(Flavor flavor, LibSsl lib, Flavor.ContextCalls contextCalls, Library... handles) {
        this.flavor = flavor;
        this.lib = lib;
        this.contextCalls = contextCalls;
        this.handles = handles;
        this.runtime = jnr.ffi.Runtime.getRuntime(lib);
        this.version = lib.OpenSSL_version(0);
        this.memMethod = lib.BIO_s_mem();
    }

    /**
     * The flavor's library: its default one, or the libssl at {@code file} with the libcrypto
     * beside it ({@code libssl.so.3} and {@code libcrypto.so.3}, {@code libssl.so} and
     * {@code libcrypto.so}); the same instance every time.
     */
    static OpenSsl library(Flavor flavor, Path file) {
        Object loaded;
        synchronized (LOADED) {
            loaded = LOADED.computeIfAbsent(new Loaded(flavor, file), k -> {
                try {
                    return file == null ? load(flavor, flavor.sslNames, flavor.cryptoNames) : load(flavor, file);
                } catch (TlsSetupException e) {
                    return e;
                }
            });
        }
        if (loaded instanceof TlsSetupException failure) {
            throw failure;
        }
        return (OpenSsl) loaded;
    }

    private static OpenSsl load(Flavor flavor, Path file) {
        String name = file.getFileName().toString();
        if (!name.startsWith("libssl")) {
            throw new TlsSetupException("TLS library " + file + " is not a libssl (its libcrypto is found beside it"
                    + " by the name)");
        }
        Path crypto = file.resolveSibling("libcrypto" + name.substring("libssl".length()));
        for (Path required : List.of(file, crypto)) {
            if (!Files.isRegularFile(required)) {
                throw new TlsSetupException("TLS library " + required + " does not exist");
            }
        }
        return load(flavor, new String[] {file.toAbsolutePath().toString()},
                new String[] {crypto.toAbsolutePath().toString()});
    }

    /**
     * Binds libssl and libcrypto by the first of the names each that loads and is of the flavor.
     *
     * <p>Both are opened RTLD_LOCAL before jnr binds them (jnr would open them RTLD_GLOBAL, and
     * finds the handles already open by their name). In the global scope, BoringSSL's symbols,
     * which carry no version, would take the place of OpenSSL's in every library linked to
     * OpenSSL that is loaded after: Python's {@code _ssl} and {@code _hashlib} in a WSGI worker.
     * And one family in the global scope would take the other's calls within its own libssl.
     *
     * @throws TlsSetupException when none loads, or they lack a function this module needs
     */
    static OpenSsl load(Flavor flavor, String[] sslNames, String[] cryptoNames) {
        String last = null;
        for (String ssl : sslNames) {
            for (String crypto : cryptoNames) {
                // libcrypto first: a libssl without a RUNPATH to its own directory (a BoringSSL
                // built by hand) finds its libcrypto only among the libraries already loaded.
                Library cryptoHandle = Library.getCachedInstance(crypto, Library.LAZY | Library.LOCAL);
                Library sslHandle = cryptoHandle == null ? null
                        : Library.getCachedInstance(ssl, Library.LAZY | Library.LOCAL);
                if (sslHandle == null) {
                    last = Library.getLastError();
                    continue;
                }
                try {
                    OpenSsl library = new OpenSsl(flavor, Flavor.loader(LibSsl.class, ssl, crypto),
                            flavor.bind(ssl, crypto), sslHandle, cryptoHandle);
                    if (library.version == null || !library.version.startsWith(flavor.versionPrefix)) {
                        throw new TlsSetupException(ssl + " is not " + flavor.versionPrefix + ": " + library.version);
                    }
                    return library;
                } catch (LinkageError | RuntimeException e) {
                    last = e.getMessage();
                }
            }
        }
        throw new TlsSetupException("cannot load " + flavor.versionPrefix + "'s libssl (tried "
                + String.join(", ", sslNames) + "): " + (last == null ? "no names" : last)
                + " (Debian's package: " + flavor.debianPackage + ")");
    }

    /**
     * The thread's error queue as text ("error:0A00010B:SSL routines::wrong version number"),
     * oldest first, and the queue left empty; {@code fallback} when it held nothing.
     */
    String errors(String fallback) {
        StringBuilder text = null;
        // BoringSSL returns a uint32_t, whose upper half of the register the ABI leaves undefined;
        // OpenSSL's unsigned long holds a code that fits in 32 bits too.
        for (long error; (error = lib.ERR_get_error() & 0xffff_ffffL) != 0; ) {
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

    /** A library's key in {@link #LOADED}: its flavor and file (null: the flavor's default). */
    private record Loaded(Flavor flavor, Path file) {
    }

    /** A NUL-terminated string at {@code address}, or null. */
    String string(long address) {
        return address == 0 ? null : runtime.getMemoryManager().newPointer(address).getString(0);
    }
}
