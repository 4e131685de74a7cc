/**
 * HTTP/1.1 server protocol over any yimmo reactor: an incremental, strict request parser, the
 * per-connection session (keep-alive, pipelining, 100-continue, chunked bodies, timeouts, flow
 * control both ways), and a public {@code HttpServer} API for Java users. Depends on yimmo-core
 * only.
 */
package org.yimmo.http;
