package org.yimmo.tls.openssl;

/**
 * {@code --tls-engine boringssl}: the server side of TLS on BoringSSL, as Debian's
 * android-libboringssl installs it. TLS costs about half as much per request as on OpenSSL 3.0
 * (docs/BENCHMARKS.md), but it only serves when named: that package is a snapshot made for the
 * Android tools, without the security updates the system's OpenSSL gets, so being installed
 * (with adb, say) is no reason for {@code auto} to put it in front of a web server.
 */
public final class BoringSslEngineProvider extends LibsslEngineProvider {

    public BoringSslEngineProvider() {
        super(Flavor.BORINGSSL);
    }

    @Override
    public boolean automatic() {
        return false;
    }
}
