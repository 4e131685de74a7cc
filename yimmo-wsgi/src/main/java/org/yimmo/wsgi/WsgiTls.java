package org.yimmo.wsgi;

import java.nio.file.Path;
import org.yimmo.core.config.Config;
import org.yimmo.core.config.ConfigException;
import org.yimmo.core.config.ConfigValue;
import org.yimmo.core.config.CoreSettings;
import org.yimmo.core.tls.TlsConfig;
import org.yimmo.core.tls.TlsContext;
import org.yimmo.core.tls.TlsSetupException;

/**
 * The TLS part of a worker's settings: the context its listen address serves with, and where an
 * extra plain-HTTP listener listens, as {@link org.yimmo.core.net.ListenAddress} text (null:
 * none): the bind address and {@code --plain-port} as configured, {@code fd://N} once the socket
 * is bound ({@link #plainOn}). Immutable.
 */
public record WsgiTls(TlsContext context, String plainListen) {

    /**
     * Reads and checks the TLS settings: certificate and key both or neither, the plain port only
     * with TLS, and the files themselves (loaded here, so a bad file stops the start).
     *
     * @return null when TLS is off
     * @throws ConfigException naming the setting, or the file and its problem
     */
    static WsgiTls from(Config config) {
        ConfigValue<Path> cert = config.value(WsgiSettings.TLS_CERT);
        ConfigValue<Path> key = config.value(WsgiSettings.TLS_KEY);
        if (cert.isSet() != key.isSet()) {
            ConfigValue<Path> given = cert.isSet() ? cert : key;
            String missing = cert.isSet() ? WsgiSettings.TLS_KEY.whereToSet() : WsgiSettings.TLS_CERT.whereToSet();
            throw new ConfigException((cert.isSet() ? "TLS certificate" : "TLS private key") + " '" + given.raw()
                    + "' from " + given.origin().describe() + " needs its "
                    + (cert.isSet() ? "private key" : "certificate") + " too: set " + missing);
        }
        ConfigValue<Integer> plain = config.value(WsgiSettings.PLAIN_PORT);
        if (!cert.isSet()) {
            if (plain.isSet()) {
                throw new ConfigException("plain HTTP port " + plain.raw() + " from " + plain.origin().describe()
                        + " is only for TLS servers (with --tls-cert and --tls-key); use --port");
            }
            return null;
        }
        String password = config.find(WsgiSettings.TLS_KEY_PASSWORD).orElse(null);
        try {
            TlsContext context = TlsContext.load(new TlsConfig(cert.value(), key.value(),
                    password == null ? null : password.toCharArray()), config.get(WsgiSettings.TLS_ENGINE),
                    config.find(WsgiSettings.TLS_LIBRARY).orElse(null));
            return new WsgiTls(context, plain.isSet() ? config.get(CoreSettings.BIND) + ":" + plain.value() : null);
        } catch (TlsSetupException e) {
            throw new ConfigException("cannot serve TLS: " + e.getMessage(), e);
        }
    }

    /**
     * The same settings, the plain-HTTP listener on {@code listen} (an already bound
     * {@code fd://N}), or none for null.
     */
    WsgiTls plainOn(String listen) {
        return new WsgiTls(context, listen);
    }
}
