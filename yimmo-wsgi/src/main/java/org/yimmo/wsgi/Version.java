package org.yimmo.wsgi;

/** The version of yimmo-wsgi, as {@code --version} prints it. */
public final class Version {

    public static final String VERSION = "0.1.0";

    private Version() {
    }
}
