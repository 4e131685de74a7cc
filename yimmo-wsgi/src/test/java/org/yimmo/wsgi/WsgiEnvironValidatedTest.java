package org.yimmo.wsgi;

/** {@link WsgiEnvironTest} with the app under wsgiref.validate.validator. */
class WsgiEnvironValidatedTest extends WsgiEnvironTest {
    @Override
    protected boolean validated() {
        return true;
    }
}
