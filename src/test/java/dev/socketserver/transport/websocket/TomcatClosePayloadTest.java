package dev.socketserver.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The close frame's payload that {@link TomcatWrites#closeBehindWrites} queues (RFC 6455, 5.5.1). */
class TomcatClosePayloadTest {

    private static String reason(ByteBuffer payload) {
        byte[] rest = new byte[payload.remaining() - 2];
        payload.duplicate().position(2).get(rest);
        return new String(rest, StandardCharsets.UTF_8);
    }

    @Test
    void codeThenReasonInUtf8() {
        ByteBuffer p = TomcatWrites.closePayload(4002, "slow consumer");
        assertEquals(4002, p.getShort(0) & 0xFFFF);
        assertEquals("slow consumer", reason(p));
        assertEquals(2 + 13, p.remaining());
    }

    @Test
    void noReasonIsTheCodeAlone() {
        assertEquals(2, TomcatWrites.closePayload(1001, null).remaining());
        assertEquals(2, TomcatWrites.closePayload(1001, "").remaining());
    }

    @Test
    void aLongReasonIsCutTo123BytesWithoutSplittingACharacter() {
        ByteBuffer ascii = TomcatWrites.closePayload(4000, "a".repeat(200));
        assertEquals(125, ascii.remaining());
        // 'é' is two bytes: 61 of them are 122 bytes, the 62nd would end at byte 124.
        ByteBuffer accents = TomcatWrites.closePayload(4000, "é".repeat(100));
        assertEquals(2 + 122, accents.remaining());
        assertEquals("é".repeat(61), reason(accents));
    }
}
