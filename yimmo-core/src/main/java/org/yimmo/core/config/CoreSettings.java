package org.yimmo.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.yimmo.core.log.LogLevel;
import org.yimmo.core.reactor.ReactorSelection;

/**
 * The settings yimmo-core itself reads, with the original yimmo's names in every source.
 * Constants only; immutable, thread safe. Other modules declare their own settings the same way
 * and resolve them together with {@link #ALL}.
 */
public final class CoreSettings {

    /** The YAML file; a path, read when resolving (so it must exist if given). */
    public static final Setting<Path> CONFIG = Setting.builder("config file", Parsers.path())
            .shortOption('c').longOption("--config")
            .env("YIMMO_WSGI_CONFIG")
            .metavar("FILE")
            .description("Path to the yimmo-wsgi config yaml")
            .envDescription("yimmo wsgi config file path")
            .build();

    public static final Setting<LogLevel> LOG_LEVEL = Setting.builder("log level", Parsers.logLevel())
            .shortOption('l').longOption("--log-level")
            .env("YIMMO_LOG_LEVEL")
            .yaml("log_level")
            .defaultValue("INFO")
            .metavar("LEVEL")
            .description("Yimmo log level: " + String.join(", ", LogLevel.names()))
            .envDescription("libyimmo log level")
            .build();

    public static final Setting<Integer> PORT = Setting.builder("port", Parsers.integer(0, 65535))
            .shortOption('P').longOption("--port")
            .env("YIMMO_WSGI_PORT")
            .yaml("wsgi.port")
            .defaultValue("8081")
            .description("Port to listen on; 0 picks a free one")
            .envDescription("The port number to bind to")
            .build();

    public static final Setting<String> BIND = Setting.builder("bind address", Parsers.string())
            .shortOption('b').longOption("--bind")
            .env("YIMMO_WSGI_BIND")
            .yaml("wsgi.bind")
            .defaultValue("127.0.0.1")
            .metavar("HOST")
            .description("Address to bind to")
            .envDescription("The address to bind to")
            .build();

    public static final Setting<Duration> IDLE_TIMEOUT = Setting.builder("idle timeout", Parsers.positiveSeconds())
            .longOption("--idle-timeout")
            .env("YIMMO_SERVER_IDLE_TIMEOUT")
            .yaml("server.idle_timeout")
            .defaultValue("5")
            .metavar("SECONDS")
            .description("Seconds an idle connection is kept open")
            .envDescription("socket-level idle disconnect timeout (seconds)")
            .build();

    public static final Setting<String> REACTOR = Setting.builder("reactor", Parsers.choice(ReactorSelection.NAMES))
            .longOption("--reactor")
            .env("YIMMO_REACTOR")
            .envAlias(EnvAlias.flag("YIMMO_WSGI_USE_KQUEUE", "kqueue",
                    "Set to 1 to use kqueue (as YIMMO_REACTOR=kqueue, which wins if both are set)"))
            .yaml("wsgi.reactor")
            .defaultValue(ReactorSelection.AUTO)
            .metavar("NAME")
            .description("Event backend: " + String.join(", ", ReactorSelection.NAMES))
            .envDescription("event backend: " + String.join(", ", ReactorSelection.NAMES))
            .build();

    /** Every setting above, the config file first. */
    public static final List<Setting<?>> ALL = List.of(CONFIG, LOG_LEVEL, PORT, BIND, IDLE_TIMEOUT, REACTOR);

    private CoreSettings() {
    }
}
