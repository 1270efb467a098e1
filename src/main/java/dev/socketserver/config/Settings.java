package dev.socketserver.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Typed reads of raw settings that collect problems instead of failing on the first one, so a
 * misconfigured deployment learns everything wrong in one start.
 */
final class Settings {
    private final UnaryOperator<String> source;
    private final List<String> problems = new ArrayList<>();

    Settings(UnaryOperator<String> source) {
        this.source = source;
    }

    List<String> problems() {
        return problems;
    }

    String string(String name, String def) {
        String v = source.apply(name);
        return v == null || v.isBlank() ? def : v.trim();
    }

    boolean bool(String name, boolean def) {
        String v = string(name, null);
        if (v == null) {
            return def;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> {
                return true;
            }
            case "false", "0", "no", "off" -> {
                return false;
            }
            default -> {
                problems.add(name + "=" + v + ": expected true or false");
                return def;
            }
        }
    }

    /** One of an enum's constants, named in any case (e.g. {@code open} for {@code OPEN}). */
    <E extends Enum<E>> E oneOf(String name, E def) {
        String v = string(name, null);
        if (v == null) {
            return def;
        }
        E[] all = def.getDeclaringClass().getEnumConstants();
        for (E e : all) {
            if (e.name().equalsIgnoreCase(v)) {
                return e;
            }
        }
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < all.length; i++) {
            expected.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ").append(all[i].name().toLowerCase(Locale.ROOT));
        }
        problems.add(name + "=" + v + ": expected " + expected);
        return def;
    }

    long longIn(String name, long def, long min, long max) {
        String v = string(name, null);
        if (v == null) {
            return def;
        }
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                problems.add(name + "=" + v + ": must be between " + min + " and " + max);
                return def;
            }
            return n;
        } catch (NumberFormatException e) {
            problems.add(name + "=" + v + ": not an integer");
            return def;
        }
    }

    int intIn(String name, int def, int min, int max) {
        return (int) longIn(name, def, min, max);
    }

    /** Sizes: plain bytes or with a KiB/MiB/GiB (or k/m/g) suffix. */
    long bytes(String name, long def, long min, long max) {
        String v = string(name, null);
        if (v == null) {
            return def;
        }
        String s = v.toLowerCase(Locale.ROOT).replace(" ", "");
        long mult = 1;
        for (String[] suf : new String[][] {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"},
                {"kb", "1024"}, {"mb", "1048576"}, {"gb", "1073741824"},
                {"k", "1024"}, {"m", "1048576"}, {"g", "1073741824"}, {"b", "1"}}) {
            if (s.endsWith(suf[0])) {
                mult = Long.parseLong(suf[1]);
                s = s.substring(0, s.length() - suf[0].length());
                break;
            }
        }
        try {
            long n = Math.multiplyExact(Long.parseLong(s), mult);
            if (n < min || n > max) {
                problems.add(name + "=" + v + ": must be between " + min + " and " + max + " bytes");
                return def;
            }
            return n;
        } catch (NumberFormatException | ArithmeticException e) {
            problems.add(name + "=" + v + ": not a size (e.g. 65536, 64KiB, 1MiB)");
            return def;
        }
    }

    /** Durations: {@code 500ms}, {@code 25s}, {@code 2m}, {@code 1h}, or plain seconds. */
    Duration duration(String name, Duration def, Duration min, Duration max) {
        String v = string(name, null);
        if (v == null) {
            return def;
        }
        try {
            Duration d = parseDuration(v);
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                problems.add(name + "=" + v + ": must be between " + min + " and " + max);
                return def;
            }
            return d;
        } catch (NumberFormatException e) {
            problems.add(name + "=" + v + ": not a duration (e.g. 500ms, 25s, 2m)");
            return def;
        }
    }

    /** {@code 500ms}, {@code 25s}, {@code 2m}, {@code 1h}, {@code 1d}, or plain seconds. */
    static Duration parseDuration(String v) {
        String s = v.toLowerCase(Locale.ROOT).trim();
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        } else if (s.endsWith("s")) {
            return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
        } else if (s.endsWith("m")) {
            return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
        } else if (s.endsWith("h")) {
            return Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1)));
        } else if (s.endsWith("d")) {
            return Duration.ofDays(Long.parseLong(s.substring(0, s.length() - 1)));
        }
        return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
    }

    List<String> list(String name) {
        String v = string(name, null);
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }
}
