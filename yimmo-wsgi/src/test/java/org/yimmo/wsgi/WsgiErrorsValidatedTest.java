package org.yimmo.wsgi;

/** {@link WsgiErrorsTest} with the app under wsgiref.validate.validator. */
class WsgiErrorsValidatedTest extends WsgiErrorsTest {
    @Override
    protected boolean validated() {
        return true;
    }
}
