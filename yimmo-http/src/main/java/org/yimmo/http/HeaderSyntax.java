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
    static void checkName(CharSequence name) {
        if (name == null || name.length() == 0) {
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
    static void checkValue(CharSequence what, CharSequence value) {
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

    /** A Content-Length value: decimal digits (surrounding whitespace allowed), below 10^18. */
    static long parseLength(CharSequence value) {
        int start = 0;
        int end = value.length();
        while (start < end && isOws(value.charAt(start))) {
            start++;
        }
        while (end > start && isOws(value.charAt(end - 1))) {
            end--;
        }
        if (start == end || end - start > 18) {
            throw new IllegalArgumentException("Content-Length must be a decimal number: " + quote(value));
        }
        long length = 0;
        for (int i = start; i < end; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("Content-Length must be a decimal number: " + quote(value));
            }
            length = length * 10 + (c - '0');
        }
        return length;
    }

    /** Whether a Connection value lists the "close" option (a comma-separated, case-blind list). */
    static boolean listsClose(CharSequence value) {
        int start = 0;
        int length = value.length();
        while (start <= length) {
            int end = start;
            while (end < length && value.charAt(end) != ',') {
                end++;
            }
            int from = start;
            int to = end;
            while (from < to && isOws(value.charAt(from))) {
                from++;
            }
            while (to > from && isOws(value.charAt(to - 1))) {
                to--;
            }
            if (to - from == 5 && regionEqualsIgnoreCase(value, from, "close")) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** {@code text} equals {@code lowerCase} ignoring ASCII case; {@code lowerCase} is lower case. */
    static boolean equalsIgnoreCase(CharSequence text, String lowerCase) {
        return text.length() == lowerCase.length() && regionEqualsIgnoreCase(text, 0, lowerCase);
    }

    private static boolean regionEqualsIgnoreCase(CharSequence text, int from, String lowerCase) {
        for (int i = 0; i < lowerCase.length(); i++) {
            char c = text.charAt(from + i);
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lowerCase.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    private static String describe(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    private static String quote(CharSequence s) {
        return "\"" + s.toString().replace("\r", "\\r").replace("\n", "\\n") + "\"";
    }
}
