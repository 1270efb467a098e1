package dev.socketserver.node;

import java.util.List;

/**
 * The rooms a token grants ({@code ROOMS_POLICY=claims}): exact names or globs where {@code *}
 * matches any run of characters (including none). No regular expressions, so a claim cannot
 * make matching slow.
 */
public final class RoomGrants {
    private RoomGrants() {
    }

    public static boolean allows(List<String> grants, String room) {
        for (String g : grants) {
            if (matches(g, room)) {
                return true;
            }
        }
        return false;
    }

    /** Glob match with {@code *} only; linear-time greedy algorithm with backtracking to the last star. */
    static boolean matches(String glob, String s) {
        int g = 0;
        int i = 0;
        int star = -1;
        int mark = 0;
        while (i < s.length()) {
            if (g < glob.length() && glob.charAt(g) != '*' && glob.charAt(g) == s.charAt(i)) {
                g++;
                i++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                mark = i;
            } else if (star >= 0) {
                g = star + 1;
                i = ++mark;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }
}
