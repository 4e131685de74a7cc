package org.yimmo.http.parser;

/**
 * The methods the parser recognizes by name (case-sensitive, RFC 9110 9.1), so that the session
 * can test for HEAD or CONNECT without comparing bytes. Any other valid token is {@link #OTHER};
 * its name is in the head.
 */
public enum HttpMethod {
    GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH, OTHER;

    final byte[] ascii = HttpBytes.ascii(name());
}
