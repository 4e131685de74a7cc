package org.yimmo.tls.openssl;

/** The engine tests on BoringSSL (Debian's android-libboringssl, which .ci/run installs). */
class BoringSslEngineTest extends LibsslEngineTest {

    @Override
    Flavor flavor() {
        return Flavor.BORINGSSL;
    }
}
