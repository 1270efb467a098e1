package dev.socketserver.bench;

/**
 * A log-linear histogram of microsecond values (HdrHistogram-like, buckets ~1.5% wide): values
 * below 128 µs are exact, above that each power of two is split into 64 buckets. Preallocated,
 * no allocation per record. Not thread-safe: each receiving thread owns one (see
 * {@link ThreadStats}); they are merged at the end.
 */
final class LatencyHistogram {
    private static final int LINEAR = 128;
    private static final int SUB = 64;
    private static final int SIZE = LINEAR + SUB * 58;

    private final long[] counts = new long[SIZE];
    private long total;
    private long maxMicros;

    void record(long micros) {
        long v = Math.max(0, micros);
        counts[index(v)]++;
        total++;
        if (v > maxMicros) {
            maxMicros = v;
        }
    }

    static int index(long v) {
        if (v < LINEAR) {
            return (int) v;
        }
        int msb = 63 - Long.numberOfLeadingZeros(v); // >= 7
        int shift = msb - 6;
        int sub = (int) (v >>> shift); // 64..127
        return LINEAR + (shift - 1) * SUB + (sub - SUB);
    }

    /** The midpoint of a bucket, in µs. */
    static double valueOf(int index) {
        if (index < LINEAR) {
            return index;
        }
        int shift = (index - LINEAR) / SUB + 1;
        long sub = (index - LINEAR) % SUB + SUB;
        long low = sub << shift;
        return low + ((1L << shift) - 1) / 2.0;
    }

    void add(LatencyHistogram other) {
        for (int i = 0; i < SIZE; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        maxMicros = Math.max(maxMicros, other.maxMicros);
    }

    long total() {
        return total;
    }

    long maxMicros() {
        return maxMicros;
    }

    /** The value at quantile {@code q} (0..1), in µs; 0 when empty. */
    double quantile(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < SIZE; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(valueOf(i), maxMicros);
            }
        }
        return maxMicros;
    }
}
