package org.yimmo.wsgi;

/** {@link WsgiThreadsTest} with the app under wsgiref.validate.validator. */
class WsgiThreadsValidatedTest extends WsgiThreadsTest {
    @Override
    protected boolean validated() {
        return true;
    }
}
