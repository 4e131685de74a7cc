package org.yimmo.reactor.kqueue;

import org.yimmo.core.config.CommandLineParser;
import org.yimmo.core.config.Config;
import org.yimmo.core.config.ConfigResolver;
import org.yimmo.core.config.CoreSettings;
import org.yimmo.core.reactor.Reactor;
import org.yimmo.core.reactor.ReactorOptions;
import org.yimmo.core.reactor.ReactorSelection;
import org.yimmo.core.reactor.ReactorSelectionException;

/**
 * A child JVM for {@link KqueueSelectionTest}: resolves the reactor setting from its environment
 * as the servers do, opens that reactor and says which it got ("opened kqueue"), or prints the
 * selection error and exits 2.
 */
public final class SelectReactorMain {

    private SelectReactorMain() {
    }

    public static void main(String[] args) throws Exception {
        Config config = new ConfigResolver(CoreSettings.ALL)
                .resolve(new CommandLineParser(CoreSettings.ALL).parse(args), System.getenv());
        try (Reactor reactor = ReactorSelection.open(config.get(CoreSettings.REACTOR), ReactorOptions.defaults())) {
            System.out.println("opened " + reactor.backend());
        } catch (ReactorSelectionException e) {
            System.out.println(e.getMessage());
            System.exit(2);
        }
    }
}
