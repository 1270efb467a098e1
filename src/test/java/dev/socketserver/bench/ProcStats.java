package dev.socketserver.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a process's CPU time ({@code /proc/PID/stat} utime+stime, in clock ticks of
 * {@code getconf CLK_TCK}), its write system calls ({@code /proc/PID/io} syscw: write and
 * writev, how well deliveries are batched) and resident memory ({@code /proc/PID/status} VmRSS), and drives
 * {@code jcmd} for a GC before memory readings and for JFR recordings.
 */
final class ProcStats {
    private static final Pattern HEAP_USED = Pattern.compile("total (\\d+)K, used (\\d+)K");

    final long pid;
    final long clockTick;

    ProcStats(long pid) {
        this.pid = pid;
        this.clockTick = clockTick();
    }

    static long clockTick() {
        try {
            String out = run(List.of("getconf", "CLK_TCK")).trim();
            return Long.parseLong(out);
        } catch (RuntimeException e) {
            return 100;
        }
    }

    /** utime + stime in clock ticks. */
    long cpuTicks() {
        long[] t = userSystemTicks();
        return t[0] + t[1];
    }

    /**
     * Write system calls made so far ({@code syscw} of {@code /proc/PID/io}: write, writev and the
     * like), or -1 where that file cannot be read (another user's process, no task I/O accounting).
     */
    long writeCalls() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("syscw:")) {
                    return Long.parseLong(line.substring("syscw:".length()).trim());
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** {utime, stime} in clock ticks. */
    long[] userSystemTicks() {
        return userSystemTicks(Path.of("/proc/" + pid + "/stat"));
    }

    /** This process's {utime, stime} in clock ticks. */
    static long[] selfUserSystemTicks() {
        return userSystemTicks(Path.of("/proc/self/stat"));
    }

    private static long[] userSystemTicks(Path stat) {
        try {
            String s = Files.readString(stat, StandardCharsets.US_ASCII);
            // Fields after the parenthesised command name (which may contain spaces).
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])}; // utime (14), stime (15)
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + stat + ": " + e.getMessage(), e);
        }
    }

    /**
     * This process's CPU time (utime + stime, clock ticks) by thread group: the thread name
     * without a trailing number ({@code bench-ws-0} and {@code bench-ws-1} are {@code bench-ws}).
     * Threads that ended are missing.
     */
    static Map<String, Long> selfTicksByThread() {
        Map<String, Long> out = new TreeMap<>();
        try {
            for (ThreadTicks t : ticksByThread(Path.of("/proc/self/task"))) {
                out.merge(t.name().replaceAll("[-#\\s]*\\d+$", "").replaceAll("\\s+", "-"), t.ticks(), Long::sum);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/task: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * CPU time (utime + stime, clock ticks) of the process's JIT compiler threads ({@code C1
     * CompilerThread*}, {@code C2 CompilerThread*}) so far; compiler threads that ended are missing.
     * 0 where the task directory cannot be read.
     */
    long jitTicks() {
        try {
            long sum = 0;
            for (ThreadTicks t : ticksByThread(Path.of("/proc/" + pid + "/task"))) {
                if (t.name().startsWith("C1 Compiler") || t.name().startsWith("C2 Compiler")) {
                    sum += t.ticks();
                }
            }
            return sum;
        } catch (IOException e) {
            return 0;
        }
    }

    /** A thread's name and its utime + stime in clock ticks. */
    private record ThreadTicks(String name, long ticks) {
    }

    /** Every live thread under a task directory ({@code /proc/PID/task}). */
    private static List<ThreadTicks> ticksByThread(Path taskDir) throws IOException {
        List<ThreadTicks> out = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(taskDir)) {
            for (Path task : tasks) {
                String s;
                try {
                    s = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    continue; // the thread ended
                }
                String name = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                out.add(new ThreadTicks(name, Long.parseLong(f[11]) + Long.parseLong(f[12])));
            }
        }
        return out;
    }

    /** VmRSS in KiB. */
    long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/status: " + e.getMessage(), e);
        }
        throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
    }

    /** A full GC in the server ({@code jcmd PID GC.run}); returns heap used after it in KiB, or -1. */
    long gcAndHeapUsedKb() {
        run(List.of("jcmd", Long.toString(pid), "GC.run"));
        String info = run(List.of("jcmd", Long.toString(pid), "GC.heap_info"));
        Matcher m = HEAP_USED.matcher(info);
        return m.find() ? Long.parseLong(m.group(2)) : -1;
    }

    void jfrStart(String file) {
        run(List.of("jcmd", Long.toString(pid), "JFR.start", "name=bench", "settings=profile",
                "filename=" + Path.of(file).toAbsolutePath()));
    }

    void jfrStop() {
        run(List.of("jcmd", Long.toString(pid), "JFR.stop", "name=bench"));
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "";
        }
    }

    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(cmd + " failed: " + new String(out, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(cmd + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(cmd + " interrupted", e);
        }
    }
}
