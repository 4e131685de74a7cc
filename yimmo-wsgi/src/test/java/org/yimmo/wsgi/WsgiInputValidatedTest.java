package org.yimmo.wsgi;

/** {@link WsgiInputTest} with the app under wsgiref.validate.validator. */
class WsgiInputValidatedTest extends WsgiInputTest {
    @Override
    protected boolean validated() {
        return true;
    }
}
