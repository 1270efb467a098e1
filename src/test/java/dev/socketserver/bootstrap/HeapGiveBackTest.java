package dev.socketserver.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import dev.socketserver.config.Config;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link HeapGiveBack} against this test JVM's real flags. */
class HeapGiveBackTest {
    private static final Map<String, String> WANTED = Map.of(
            "MinHeapFreeRatio", "10", "MaxHeapFreeRatio", "20", "G1PeriodicGCInterval", "60000");

    @Test
    void isOptIn() {
        assertFalse(Config.load(name -> null).heapGiveBack(), "off by default: a webapp leaves its container's JVM alone");
        assertTrue(Config.load(name -> name.equals("HEAP_GIVE_BACK") ? "true" : null).heapGiveBack());
    }

    @Test
    void setsOnlyFlagsAtTheirDefaultsAndLeavesThemAloneAfterwards() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        List<String> expected = new ArrayList<>();
        boolean ratiosDefault = vm.getVMOption("MinHeapFreeRatio").getOrigin() == VMOption.Origin.DEFAULT
                && vm.getVMOption("MaxHeapFreeRatio").getOrigin() == VMOption.Origin.DEFAULT;
        if (ratiosDefault) {
            expected.add("MinHeapFreeRatio=10");
            expected.add("MaxHeapFreeRatio=20");
        }
        if (vm.getVMOption("G1PeriodicGCInterval").getOrigin() == VMOption.Origin.DEFAULT) {
            expected.add("G1PeriodicGCInterval=60000");
        }
        Map<String, String> before = Map.of(
                "MinHeapFreeRatio", vm.getVMOption("MinHeapFreeRatio").getValue(),
                "MaxHeapFreeRatio", vm.getVMOption("MaxHeapFreeRatio").getValue(),
                "G1PeriodicGCInterval", vm.getVMOption("G1PeriodicGCInterval").getValue());

        assertEquals(expected, HeapGiveBack.apply());
        for (String name : WANTED.keySet()) {
            String now = vm.getVMOption(name).getValue();
            boolean wasSet = expected.stream().anyMatch(e -> e.startsWith(name + "="));
            assertEquals(wasSet ? WANTED.get(name) : before.get(name), now, name);
        }
        // Now set by a management call, no longer defaults: a second deployment changes nothing.
        assertTrue(HeapGiveBack.apply().isEmpty());
    }
}
