package dev.socketserver.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarizes a JFR recording of the server (what {@code jfr print --events jdk.ExecutionSample}
 * shows, counted): CPU samples by top frame (self), by method anywhere on the stack
 * (inclusive), by package of the top frame; GC pauses; allocation by class and by allocating
 * frame. Usage: {@code java -cp <test classpath> dev.socketserver.bench.JfrTop FILE.jfr [N]}.
 */
public final class JfrTop {
    private JfrTop() {
    }

    public static void main(String[] args) throws Exception {
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> inclusive = new HashMap<>();
        Map<String, Long> packages = new HashMap<>();
        Map<String, Long> allocByClass = new HashMap<>();
        Map<String, Long> allocByFrame = new HashMap<>();
        long samples = 0;
        long gcCount = 0;
        long gcNanos = 0;
        long allocTotal = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            String type = e.getEventType().getName();
            if (type.equals("jdk.ExecutionSample")) {
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                List<RecordedFrame> frames = st.getFrames();
                String t = name(frames.get(0));
                self.merge(t, 1L, Long::sum);
                packages.merge(pkg(frames.get(0)), 1L, Long::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame f : frames) {
                    String n = name(f);
                    if (seen.add(n)) {
                        inclusive.merge(n, 1L, Long::sum);
                    }
                }
            } else if (type.equals("jdk.GarbageCollection")) {
                gcCount++;
                gcNanos += e.getDuration().toNanos();
            } else if (type.equals("jdk.ObjectAllocationSample")) {
                long w = e.getLong("weight");
                allocTotal += w;
                allocByClass.merge(e.getClass("objectClass").getName(), w, Long::sum);
                RecordedStackTrace st = e.getStackTrace();
                if (st != null) {
                    for (RecordedFrame f : st.getFrames()) {
                        String n = name(f);
                        // The first frame outside the JDK's collections/strings says who allocates.
                        if (!n.startsWith("java.") && !n.startsWith("jdk.")) {
                            allocByFrame.merge(n, w, Long::sum);
                            break;
                        }
                    }
                }
            }
        }
        System.out.println("execution samples: " + samples);
        print("top frames (self)", self, samples, top);
        print("top packages of the top frame (self)", packages, samples, top);
        print("methods on the stack (inclusive)", inclusive, samples, top);
        System.out.printf("%nGC: %d collections, %.1f ms total%n", gcCount, gcNanos / 1e6);
        System.out.printf("allocation (sampled weight): %.1f MB%n", allocTotal / 1e6);
        print("allocated classes (by weight)", allocByClass, allocTotal, 10);
        print("allocating frames (first non-JDK frame, by weight)", allocByFrame, allocTotal, top);
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static String pkg(RecordedFrame f) {
        String c = f.getMethod().getType().getName();
        String[] parts = c.split("\\.");
        int keep = Math.min(parts.length - 1, c.startsWith("org.eclipse.jetty") || c.startsWith("io.grpc") ? 4 : 3);
        return String.join(".", java.util.Arrays.copyOf(parts, Math.max(1, keep)));
    }

    private static void print(String title, Map<String, Long> counts, long total, int n) {
        System.out.println();
        System.out.println(title + ":");
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .forEach(en -> System.out.printf("  %5.1f%%  %s%n", 100.0 * en.getValue() / Math.max(1, total), en.getKey()));
    }
}
