package org.yimmo.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.yimmo.core.config.CommandLine;
import org.yimmo.core.config.CommandLineParser;
import org.yimmo.core.config.Config;
import org.yimmo.core.config.ConfigException;
import org.yimmo.core.config.ConfigResolver;
import org.yimmo.core.config.CoreSettings;
import org.yimmo.core.config.HelpText;
import org.yimmo.core.config.Setting;
import org.yimmo.core.log.SimpleLoggerSetup;

/**
 * The command-line front of the example servers: settings from the command line, the YIMMO_*
 * environment and a YAML file, {@code --help}, and configuration errors with exit status 2,
 * exactly as the WSGI command does it.
 */
final class ExampleCommand {

    /** The command ends before serving: help was printed, or the settings were refused. */
    static final class Exit extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Exit(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }

    private ExampleCommand() {
    }

    /**
     * Resolves {@code settings} from {@code args} and {@code env}, then configures logging.
     *
     * @throws Exit after printing the help (status 0) or the error (status 2)
     */
    static Config configure(String program, List<Setting<?>> settings, String[] args, Map<String, String> env,
            PrintStream out, PrintStream err) throws Exit {
        CommandLineParser parser = new CommandLineParser(settings);
        Config config;
        try {
            CommandLine commandLine = parser.parse(args);
            if (commandLine.helpRequested()) {
                HelpText.render("Usage: " + program + " [OPTIONS]", settings, parser.flags()).forEach(out::println);
                throw new Exit(0);
            }
            config = new ConfigResolver(settings).resolve(commandLine, env);
        } catch (ConfigException e) {
            err.println(program + ": " + e.getMessage());
            throw new Exit(e.exitCode());
        }
        SimpleLoggerSetup.configure(config.get(CoreSettings.LOG_LEVEL));
        config.logWarnings();
        return config;
    }
}
