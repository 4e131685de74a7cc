package org.yimmo.wsgi;

/** {@link WsgiResponseTest} with the app under wsgiref.validate.validator. */
class WsgiResponseValidatedTest extends WsgiResponseTest {
    @Override
    protected boolean validated() {
        return true;
    }
}
