package org.yimmo.core.reactor;

import org.yimmo.core.net.EchoHandler;
import org.yimmo.core.net.ListenAddress;
import org.yimmo.core.net.Listener;

/**
 * Child process for the inherited-socket tests: runs an echo server of the given provider on a
 * listen address such as {@code fd://5} or {@code systemd}, prints {@code listening ADDRESS}, and
 * serves until killed.
 */
public final class InheritedEchoMain {

    private InheritedEchoMain() {
    }

    public static void main(String[] args) throws Exception {
        ReactorProvider provider = (ReactorProvider) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        Reactor reactor = provider.create(ReactorOptions.defaults());
        for (ListenAddress address : ListenAddress.parse(args[1])) {
            Listener listener = reactor.listen(address, connection -> new EchoHandler());
            System.out.println("listening " + listener.localAddress());
        }
        System.out.flush();
        reactor.run();
    }
}
