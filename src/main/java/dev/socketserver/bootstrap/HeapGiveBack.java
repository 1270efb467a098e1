package dev.socketserver.bootstrap;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Lets G1 give back heap it grew into, by setting three of its manageable flags at start-up,
 * but only those still at the JVM's defaults (anything set on the command line or by a
 * management tool is left alone). Why: a burst of handshakes (clients reconnecting after a
 * deploy) makes G1 grow the heap, and by default it shrinks it only while more than 70% is free
 * after a GC, so a stock container JVM kept about 3× the live heap resident: measured in the
 * stock Jetty 12.1 distribution at 10,000 idle connections, 26.6 KB of RSS per connection for
 * 6.5 KB of live heap. The values are those docs/DEPLOYING.md recommends as JVM options; set
 * from here they hold for the JVM's life, also for other webapps in the same container, which is
 * why this runs only when {@code HEAP_GIVE_BACK=true} (opt-in).
 */
final class HeapGiveBack {
    private static final Logger LOG = Logger.getLogger(HeapGiveBack.class.getName());

    private HeapGiveBack() {
    }

    /** Applies the settings that are still at their defaults; returns what it set, as name=value. */
    static List<String> apply() {
        List<String> set = new ArrayList<>();
        HotSpotDiagnosticMXBean vm;
        try {
            vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.FINE, "no HotSpot diagnostic bean; heap settings unchanged", e);
            return set;
        }
        if (vm == null) {
            return set;
        }
        // The two ratios go together (the minimum may not exceed the maximum): both or neither.
        if (atDefault(vm, "MinHeapFreeRatio") && atDefault(vm, "MaxHeapFreeRatio")) {
            setOption(vm, "MinHeapFreeRatio", "10", set);
            setOption(vm, "MaxHeapFreeRatio", "20", set);
        }
        if (atDefault(vm, "G1PeriodicGCInterval")) {
            // When no GC ran for a minute (an idle server), a concurrent cycle gives unused heap back.
            setOption(vm, "G1PeriodicGCInterval", "60000", set);
        }
        return set;
    }

    private static boolean atDefault(HotSpotDiagnosticMXBean vm, String name) {
        try {
            VMOption o = vm.getVMOption(name);
            return o.isWriteable() && o.getOrigin() == VMOption.Origin.DEFAULT;
        } catch (IllegalArgumentException e) {
            return false; // not in this JVM
        }
    }

    private static void setOption(HotSpotDiagnosticMXBean vm, String name, String value, List<String> set) {
        try {
            vm.setVMOption(name, value);
            set.add(name + "=" + value);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "could not set " + name, e);
        }
    }
}
