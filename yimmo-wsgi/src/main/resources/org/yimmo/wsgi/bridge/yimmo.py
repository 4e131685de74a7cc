"""yimmo: the WSGI server's module, importable by the application.

The public part is small: ``__version__``, ``server_info()`` and ``FileWrapper`` (the
``wsgi.file_wrapper``). The rest is the Python half of the bridge between the server (Java) and
the application, kept in Python where the PEP 3333 rules are easiest to state: ``start_response``
with its ``exc_info`` rules and ``write()``, the ``wsgi.input`` and ``wsgi.errors`` file objects.
The Java half builds the environ, calls the application, checks and sends the status, headers and
body. Python reaches Java only through two native callables installed at start-up:
``_recv(slot, size)`` and ``_send(slot, data)``, where ``slot`` names the worker thread.
"""

import os
import stat
import sys
import threading
import traceback

__version__ = "0.1.0"
__all__ = ["__version__", "server_info", "FileWrapper"]

_SERVER_INFO = {}

# Installed by the server before any request: native callables into Java.
_recv = None
_send = None


def server_info():
    """What serves this application: software, version, reactor, workers (a dict copy)."""
    return dict(_SERVER_INFO)


class _Response:
    """start_response and write() of one request (PEP 3333 'The start_response() Callable').

    The status and headers are checked by the server when it sends them (types, latin-1, no
    control characters, tokens, no hop-by-hop fields): a violation is a 500 with the reason in
    the log. Checking them here, character by character in Python, would cost microseconds.
    """

    __slots__ = ("slot", "status", "headers", "headers_sent")

    def __init__(self, slot):
        self.slot = slot
        self.status = None
        self.headers = None
        self.headers_sent = False

    def start_response(self, status, headers, exc_info=None):
        if exc_info is not None:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response() called a second time without exc_info")
        self.status = status
        self.headers = headers
        return self.write

    def write(self, data):
        if self.status is None:
            raise AssertionError("write() before start_response()")
        if type(data) is not bytes:
            data = bytes(data)
        if data:
            _send(self.slot, data)


class _Input:
    """wsgi.input: the request body, streamed from the connection as it is read."""

    __slots__ = ("_slot", "_buffer", "_eof")

    _CHUNK = 65536

    def __init__(self, slot):
        self._slot = slot
        self._buffer = b""
        self._eof = False

    def _fill(self, size):
        """Returns up to size bytes from the server, b'' at the end of the body."""
        if self._eof:
            return b""
        data = _recv(self._slot, size)
        if not data:
            self._eof = True
        return data

    def read(self, size=-1):
        if size is None or size < 0:
            parts = [self._buffer]
            self._buffer = b""
            while True:
                data = self._fill(self._CHUNK)
                if not data:
                    return b"".join(parts)
                parts.append(data)
        if len(self._buffer) >= size:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
            return data
        parts = [self._buffer]
        have = len(self._buffer)
        self._buffer = b""
        while have < size:
            data = self._fill(size - have)
            if not data:
                break
            parts.append(data)
            have += len(data)
        return b"".join(parts)

    def readline(self, size=-1):
        if size is None:
            size = -1
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                end += 1
                if 0 <= size < end:
                    end = size
                line, self._buffer = self._buffer[:end], self._buffer[end:]
                return line
            if 0 <= size <= len(self._buffer):
                line, self._buffer = self._buffer[:size], self._buffer[size:]
                return line
            data = self._fill(self._CHUNK)
            if not data:
                line, self._buffer = self._buffer, b""
                return line
            self._buffer += data

    def readlines(self, hint=-1):
        lines = []
        total = 0
        for line in self:
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                break
        return lines

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line


class _Errors:
    """wsgi.errors: text written here goes to the server log, line by line."""

    __slots__ = ("_log", "_pending")

    def __init__(self, log):
        self._log = log
        self._pending = ""

    def write(self, text):
        if type(text) is not str:
            raise TypeError("wsgi.errors takes str, not %s" % type(text).__name__)
        text = self._pending + text
        lines = text.split("\n")
        self._pending = lines.pop()
        for line in lines:
            self._log(line)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        if self._pending:
            self._log(self._pending)
            self._pending = ""


class FileWrapper:
    """wsgi.file_wrapper: iterates a file in blocks; the server may send it without copying."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration


def _make_base_environ(errors, script_name, server_name, server_port, multithread, multiprocess):
    """The environ entries every request shares; the server copies this dict per request."""
    return {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": errors,
        "wsgi.multithread": multithread,
        "wsgi.multiprocess": multiprocess,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
        "wsgi.file_wrapper": FileWrapper,
        "SCRIPT_NAME": script_name,
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
    }


def _file_region(wrapper):
    """(fd, offset, count) of a FileWrapper over a regular file, for sending it without copying;
    None when the file-like has no usable descriptor (the server then iterates the wrapper)."""
    filelike = wrapper.filelike
    try:
        fd = filelike.fileno()
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        offset = filelike.tell()
    except Exception:
        return None
    return (fd, offset, max(0, st.st_size - offset))


def _thread_stack(ident):
    """The Python stack of thread ``ident`` (a worker stuck in the application), formatted as a
    traceback, for the log before the worker is replaced; '' when that thread runs no Python."""
    frame = sys._current_frames().get(ident)
    if frame is None:
        return ""
    return "".join(traceback.format_stack(frame))
