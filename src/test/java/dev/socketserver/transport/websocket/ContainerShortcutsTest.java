package dev.socketserver.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.LogCapture;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * The container shortcuts' lookups against the real Jetty 12.1 on the test classpath, and what
 * they log when a member is missing: Jetty's classes are swapped, one at a time, for stand-ins
 * that lack the member, through a class loader that hands out the stand-in under Jetty's name.
 */
class ContainerShortcutsTest {
    private static final String PACKAGE = "dev.socketserver.transport.websocket";
    private static final String SESSION = "org.eclipse.jetty.ee10.websocket.jakarta.common.JakartaWebSocketSession";

    /** A Jakarta session without the codec registries JettyTrim shares. */
    static final class SessionWithoutCodecs {
        FrameHandler frameHandler;
    }

    static final class FrameHandler {
        Object upgradeRequest;
    }

    /** Not Jetty's frame flusher: the connection's {@code flusher} field is of another type. */
    static final class OtherFlusher {
    }

    /** Jetty's version class, as an older Jetty would have it. */
    public static final class Jetty120 {
        public static final String VERSION = "12.0.99";
    }

    /** A Tomcat session without the pipeline TomcatCore reaches. */
    static final class TomcatSessionWithoutEndpoint {
    }

    private static ClassLoader swapping(String name, Class<?> standIn) {
        return new ClassLoader(ContainerShortcutsTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
                return n.equals(name) ? standIn : super.loadClass(n, resolve);
            }
        };
    }

    private static ClassLoader jetty() {
        return ContainerShortcutsTest.class.getClassLoader();
    }

    @Test
    void onTheJettyTheyWereWrittenForEveryLookupSucceedsWithoutAWarning() {
        assertTrue(JettyCore.expected(JettyCore.version(jetty())), "the test classpath has Jetty 12.1");
        try (LogCapture log = LogCapture.of(PACKAGE)) {
            JettyCore.Handles core = JettyCore.resolve(jetty());
            assertNotNull(core);
            assertNull(core.flusherMissing(), "the frame flusher is reachable");
            assertNotNull(JettyTrim.resolve(jetty()));
            assertEquals(List.of(), log.messages(Level.WARNING));
        }
    }

    @Test
    void aMissingTrimFieldOnJetty121IsOneWarningNamingIt() {
        try (LogCapture log = LogCapture.of(PACKAGE)) {
            assertNull(JettyTrim.resolve(swapping(SESSION, SessionWithoutCodecs.class)));
            List<String> warnings = log.messages(Level.WARNING);
            assertEquals(1, warnings.size(), warnings.toString());
            String w = warnings.get(0);
            assertTrue(w.startsWith("Trimming idle WebSocket sessions is off on Jetty 12.1."), w);
            assertTrue(w.contains("NoSuchFieldException: " + SessionWithoutCodecs.class.getName() + ".availableDecoders"), w);
            assertTrue(w.contains("each connection keeps ~8 KB more heap"), w);
        }
    }

    @Test
    void aMissingFrameFlusherOnJetty121IsOneWarningAndTheWritePathStays() {
        try (LogCapture log = LogCapture.of(PACKAGE)) {
            JettyCore.Handles core = JettyCore.resolve(
                    swapping("org.eclipse.jetty.websocket.core.internal.FrameFlusher", OtherFlusher.class));
            assertNotNull(core, "the required members are all there");
            assertNull(core.flusher());
            List<String> warnings = log.messages(Level.WARNING);
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("Queuing a whole batch in Jetty's frame flusher is off on Jetty 12.1."),
                    warnings.get(0));
            assertTrue(warnings.get(0).contains("org.eclipse.jetty.websocket.core.WebSocketConnection.flusher"),
                    warnings.get(0));
        }
    }

    @Test
    void aMissingRequiredMemberOnJetty121IsOneWarningAndThePortablePath() {
        try (LogCapture log = LogCapture.of(PACKAGE)) {
            assertNull(JettyCore.resolve(swapping("org.eclipse.jetty.websocket.core.OutgoingEntry$Builder",
                    OtherFlusher.class)));
            List<String> warnings = log.messages(Level.WARNING);
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("The batched WebSocket write path (Jetty's core API) is off on Jetty 12.1."),
                    warnings.get(0));
            assertTrue(warnings.get(0).contains(OtherFlusher.class.getName()), warnings.get(0));
            assertTrue(warnings.get(0).contains("writes use the Jakarta API"), warnings.get(0));
        }
    }

    @Test
    void onOtherJettyVersionsAMissingMemberIsNoWarning() {
        try (LogCapture log = LogCapture.of(PACKAGE)) {
            assertNull(JettyTrim.resolve(swapping("org.eclipse.jetty.util.Jetty", Jetty120.class)));
            assertNull(JettyCore.resolve(new ClassLoader(swapping("org.eclipse.jetty.util.Jetty", Jetty120.class)) {
                @Override
                protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
                    if (n.equals(SESSION)) {
                        throw new ClassNotFoundException(n);
                    }
                    return super.loadClass(n, resolve);
                }
            }));
            assertEquals(List.of(), log.messages(Level.WARNING));
        }
    }

    @Test
    void aMissingTomcatMemberIsOneWarningNamingIt() {
        try (LogCapture log = LogCapture.of(PACKAGE)) {
            assertNull(TomcatCore.resolve(TomcatSessionWithoutEndpoint.class));
            List<String> warnings = log.messages(Level.WARNING);
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("The batched WebSocket write path (Tomcat's output buffer"), warnings.get(0));
            assertTrue(warnings.get(0).contains(TomcatSessionWithoutEndpoint.class.getName() + ".wsRemoteEndpoint"),
                    warnings.get(0));
        }
    }
}
