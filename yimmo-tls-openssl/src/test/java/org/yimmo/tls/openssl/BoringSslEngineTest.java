package org.yimmo.tls.openssl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yimmo.core.tls.TestCertificates;

/** The engine tests on BoringSSL (Debian's android-libboringssl, which .ci/run installs). */
class BoringSslEngineTest extends LibsslEngineTest {

    @Override
    Flavor flavor() {
        return Flavor.BORINGSSL;
    }

    /**
     * A BoringSSL built by hand has no RUNPATH to its own directory, as Debian's has: its libssl
     * finds its libcrypto only if that is loaded first. Made here from Debian's, with chrpath.
     */
    @Test
    void shouldLoadALibsslThatCannotFindItsLibcryptoByItself(@TempDir Path dir) throws Exception {
        for (String name : List.of("libssl.so.0", "libcrypto.so.0")) {
            Files.copy(Path.of("/usr/lib/x86_64-linux-gnu/android", name), dir.resolve(name));
            TestCertificates.run(dir, List.of("chrpath", "-d", name));
        }
        OpenSslContext context = new OpenSslContext(OpenSsl.library(flavor(), dir.resolve("libssl.so.0")), chain, key,
                List.of());
        EnginePair pair = new EnginePair(context, client, "TLSv1.3");
        pair.handshake();
        assertEquals("TLSv1.3", pair.server.getSession().getProtocol());
    }
}
