"""The original's app-factory example, without Flask: the app is made by a call given on the
command line, evaluated in this module's namespace.

    yimmo-wsgi/bin/yimmo-wsgi 'hello_factory:create_app("my_config.cfg")'
"""

import yimmo


def create_app(config_filename):
    print(f"\n\n***\nLoad some configuration from: {config_filename}\n***\n", flush=True)
    greeting = f"<p>Hello, world!</p>\n<p>configured from {config_filename}, served by {yimmo.server_info()['software']}</p>\n"

    def app(environ, start_response):
        body = greeting.encode("utf-8")
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    return app
