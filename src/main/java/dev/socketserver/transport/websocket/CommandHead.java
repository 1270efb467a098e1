package dev.socketserver.transport.websocket;

/**
 * A client frame's {@code id} and {@code action}, found by one pass over the characters of its
 * top-level object that builds no values (nested objects, arrays and long strings are skipped by
 * counting brackets and quotes). It runs on every text frame before the rate limiter, so that a
 * refused frame is still answered with its id and room commands can use their own allowance,
 * without a flood ever being parsed.
 *
 * <p>A member counts only once it is complete and followed by {@code ,} or {@code }}: from a
 * truncated or malformed frame the members before the damage are still read. The first
 * {@code id} and the first {@code action} win.
 *
 * @param id the id's JSON text as written (a number, or a string with its quotes), echoed in
 *           replies; {@code null} when the frame has none, it is {@code null}, or it is invalid
 * @param idProblem why the frame's id cannot be used ({@code null} when it can, or there is none)
 * @param action the action's string value, or {@code null}
 */
record CommandHead(String id, String idProblem, String action) {
    /** The longest id, in characters as written (without a string's quotes). */
    static final int MAX_ID_CHARS = 64;
    /** What an unreadable frame yields. */
    static final CommandHead NONE = new CommandHead(null, null, null);

    /** Whether the frame asks to enter or leave a room. */
    boolean isRoomCommand() {
        return "enter".equals(action) || "leave".equals(action);
    }

    static CommandHead scan(String text) {
        return new Scanner(text).run();
    }

    /** One pass over a frame; every step returns the index after what it read, or -1 if malformed. */
    private static final class Scanner {
        /** Keys and actions we look for are short: longer strings are never decoded. */
        private static final int MAX_DECODED_RAW = 48;

        private final String s;
        private final int n;
        private String id;
        private String idProblem;
        private boolean idSeen;
        private String action;
        private boolean actionSeen;

        Scanner(String s) {
            this.s = s;
            this.n = s.length();
        }

        CommandHead run() {
            int i = whitespace(0);
            if (i >= n || s.charAt(i) != '{') {
                return NONE;
            }
            i = whitespace(i + 1);
            while (i < n && s.charAt(i) == '"' && !(idSeen && actionSeen)) {
                int keyEnd = string(i);
                if (keyEnd < 0) {
                    break;
                }
                String key = decode(i, keyEnd);
                int colon = whitespace(keyEnd);
                if (colon >= n || s.charAt(colon) != ':') {
                    break;
                }
                int valueStart = whitespace(colon + 1);
                int valueEnd = value(valueStart);
                if (valueEnd < 0) {
                    break;
                }
                int next = whitespace(valueEnd);
                if (next >= n || (s.charAt(next) != ',' && s.charAt(next) != '}')) {
                    break;
                }
                if ("id".equals(key) && !idSeen) {
                    idSeen = true;
                    readId(valueStart, valueEnd);
                } else if ("action".equals(key) && !actionSeen) {
                    actionSeen = true;
                    action = s.charAt(valueStart) == '"' ? decode(valueStart, valueEnd) : null;
                }
                if (s.charAt(next) == '}') {
                    break;
                }
                i = whitespace(next + 1);
            }
            return idSeen || actionSeen ? new CommandHead(id, idProblem, action) : NONE;
        }

        private void readId(int start, int end) {
            char first = s.charAt(start);
            if (first == '"') {
                if (!validString(start, end)) {
                    return; // unreadable: no id
                }
                if (end - start - 2 > MAX_ID_CHARS) {
                    idProblem = "id must be at most " + MAX_ID_CHARS + " characters";
                    return;
                }
                id = s.substring(start, end);
            } else if (first == '-' || (first >= '0' && first <= '9')) {
                if (!validNumber(start, end)) {
                    return;
                }
                if (end - start > MAX_ID_CHARS) {
                    idProblem = "id must be at most " + MAX_ID_CHARS + " characters";
                    return;
                }
                id = s.substring(start, end);
            } else if (!s.startsWith("null", start) || end - start != 4) {
                idProblem = "id must be a number or a string";
            }
        }

        private int whitespace(int i) {
            while (i < n) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    break;
                }
                i++;
            }
            return i;
        }

        /** {@code i} at an opening quote; returns the index after the closing one. */
        private int string(int i) {
            for (i++; i < n; i++) {
                char c = s.charAt(i);
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    return i + 1;
                }
            }
            return -1;
        }

        private int value(int i) {
            if (i >= n) {
                return -1;
            }
            char c = s.charAt(i);
            if (c == '"') {
                return string(i);
            }
            if (c == '{' || c == '[') {
                return nested(i);
            }
            int start = i;
            while (i < n) {
                c = s.charAt(i);
                if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    break;
                }
                i++;
            }
            return i > start ? i : -1;
        }

        /** Skips an object or array by depth; brackets inside strings do not count. */
        private int nested(int i) {
            int depth = 0;
            while (i < n) {
                char c = s.charAt(i);
                if (c == '"') {
                    i = string(i);
                    if (i < 0) {
                        return -1;
                    }
                    continue;
                }
                if (c == '{' || c == '[') {
                    depth++;
                } else if ((c == '}' || c == ']') && --depth == 0) {
                    return i + 1;
                }
                i++;
            }
            return -1;
        }

        /** The value of the string token at [start, end), or {@code null} if long or invalid. */
        private String decode(int start, int end) {
            if (end - start > MAX_DECODED_RAW || !validString(start, end)) {
                return null;
            }
            String raw = s.substring(start + 1, end - 1);
            if (raw.indexOf('\\') < 0) {
                return raw;
            }
            StringBuilder out = new StringBuilder(raw.length());
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = raw.charAt(++i);
                switch (e) {
                    case 'u' -> {
                        out.append((char) Integer.parseInt(raw, i + 1, i + 5, 16));
                        i += 4;
                    }
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    default -> out.append(e); // " \ /
                }
            }
            return out.toString();
        }

        /** A string token as JSON allows it: no raw control characters, only valid escapes. */
        private boolean validString(int start, int end) {
            for (int i = start + 1; i < end - 1; i++) {
                char c = s.charAt(i);
                if (c < 0x20) {
                    return false;
                }
                if (c == '\\') {
                    char e = s.charAt(++i);
                    if (e == 'u') {
                        if (i + 4 >= end - 1 || !hex(i + 1) || !hex(i + 2) || !hex(i + 3) || !hex(i + 4)) {
                            return false;
                        }
                        i += 4;
                    } else if ("\"\\/bfnrt".indexOf(e) < 0) {
                        return false;
                    }
                }
            }
            return true;
        }

        private boolean hex(int i) {
            return i < n && Character.digit(s.charAt(i), 16) >= 0;
        }

        /** {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?} over [start, end). */
        private boolean validNumber(int start, int end) {
            int i = start;
            if (s.charAt(i) == '-') {
                i++;
            }
            if (i < end && s.charAt(i) == '0') {
                i++;
            } else {
                int d = digits(i, end);
                if (d == i) {
                    return false;
                }
                i = d;
            }
            if (i < end && s.charAt(i) == '.') {
                int d = digits(i + 1, end);
                if (d == i + 1) {
                    return false;
                }
                i = d;
            }
            if (i < end && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                i++;
                if (i < end && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                    i++;
                }
                int d = digits(i, end);
                if (d == i) {
                    return false;
                }
                i = d;
            }
            return i == end;
        }

        private int digits(int i, int end) {
            while (i < end && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            return i;
        }
    }
}
