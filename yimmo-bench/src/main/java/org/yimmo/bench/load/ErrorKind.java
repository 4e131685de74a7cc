package org.yimmo.bench.load;

/** What went wrong with a request or a connection, as the report counts it. */
enum ErrorKind {
    /** The connection could not be made. */
    CONNECT("connect"),
    /** The connection broke or was closed with requests in flight (reset, end of stream). */
    READ("read/reset"),
    /** No complete response within {@code --timeout}; the connection is dropped. */
    TIMEOUT("timeout"),
    /** A complete response with a status outside 2xx and 3xx (still counted as a request). */
    STATUS("status"),
    /** A response that could not be framed; the connection is dropped. */
    PARSE("parse");

    static final ErrorKind[] ALL = values();

    final String label;

    ErrorKind(String label) {
        this.label = label;
    }
}
