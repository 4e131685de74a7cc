package org.yimmo.core.net;

/** Makes the handler for each connection a listener accepts; called on the reactor thread. */
@FunctionalInterface
public interface ProtocolFactory {
    ConnectionHandler newHandler(Connection connection);
}
