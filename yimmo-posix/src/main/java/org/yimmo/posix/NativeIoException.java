package org.yimmo.posix;

import java.io.IOException;

/** A failed system call: the call's name, errno and its text ("read: Connection reset by peer (errno 104)"). */
public final class NativeIoException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    public NativeIoException(String call, int errno, String text) {
        super(call + ": " + text + " (errno " + errno + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
