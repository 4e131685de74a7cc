package org.yimmo.http;

/**
 * Checks of response header fields before they are written: a handler must not be able to split
 * a response (CR, LF) or send bytes a client would reject (RFC 9110 5.1, 5.5).
 */
final class HeaderSyntax {

    private static final String TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~";

    private HeaderSyntax() {
    }

    /** A field name is a token: 1*tchar. */
    static void checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("header name is empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean tchar = c < 128 && (Character.isLetterOrDigit(c) || TOKEN_SYMBOLS.indexOf(c) >= 0);
            if (!tchar) {
                throw new IllegalArgumentException("header name " + quote(name)
                        + " holds " + describe(c) + " at " + i + "; a name is a token (RFC 9110 5.6.2)");
            }
        }
    }

    /** A value holds visible ISO-8859-1 characters, SP and HTAB; no CR, LF or other control. */
    static void checkValue(String what, String value) {
        if (value == null) {
            throw new IllegalArgumentException(what + " value is null");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c > 0xff || c == 0x7f || (c < 0x20 && c != '\t')) {
                throw new IllegalArgumentException(what + " value holds " + describe(c) + " at " + i
                        + "; allowed are visible ISO-8859-1 characters, SP and HTAB");
            }
        }
    }

    /** A Content-Length value: decimal digits, below 2^63. */
    static long parseLength(String value) {
        String v = value.strip();
        if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("Content-Length must be a decimal number: " + quote(value));
        }
        return Long.parseLong(v);
    }

    /** Whether a Connection value lists the "close" option. */
    static boolean listsClose(String value) {
        for (String option : value.split(",")) {
            if (option.strip().equalsIgnoreCase("close")) {
                return true;
            }
        }
        return false;
    }

    private static String describe(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\r", "\\r").replace("\n", "\\n") + "\"";
    }
}
