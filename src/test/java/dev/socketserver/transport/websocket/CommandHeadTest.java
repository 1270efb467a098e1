package dev.socketserver.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CommandHeadTest {
    @Test
    void findsIdAndActionWhereverTheyAreAtTheTopLevel() {
        assertEquals(new CommandHead("7", null, "enter"), CommandHead.scan("{\"id\":7,\"action\":\"enter\",\"room\":\"r\"}"));
        assertEquals(new CommandHead("\"a-1\"", null, "leave"),
                CommandHead.scan(" {\n\"room\" : \"r\", \"action\" : \"leave\" ,\t\"id\" : \"a-1\" } "));
        assertEquals(new CommandHead("-1.5e+3", null, "ping"), CommandHead.scan("{\"action\":\"ping\",\"id\":-1.5e+3}"));
        // Nested values are skipped, also when they hold brackets, quotes or "id" themselves.
        assertEquals(new CommandHead("9", null, "enter"), CommandHead.scan(
                "{\"since\":{\"id\":1,\"epoch\":\"}]\\\"{\"},\"x\":[[{\"id\":2}],\"]\"],\"id\":9,\"action\":\"enter\"}"));
        // Escaped keys and values mean what they say; the id is echoed as written.
        assertEquals(new CommandHead("\"\\u00e9\\\"\"", null, "enter"),
                CommandHead.scan("{\"\\u0069d\":\"\\u00e9\\\"\",\"act\\u0069on\":\"ent\\u0065r\"}"));
        assertTrue(CommandHead.scan("{\"action\":\"enter\"}").isRoomCommand());
        assertTrue(CommandHead.scan("{\"action\":\"leave\"}").isRoomCommand());
        assertFalse(CommandHead.scan("{\"action\":\"ping\"}").isRoomCommand());
        assertFalse(CommandHead.scan("{\"Action\":\"enter\"}").isRoomCommand());
        assertFalse(CommandHead.scan("{\"x\":{\"action\":\"enter\"}}").isRoomCommand());
    }

    @Test
    void membersBeforeTheDamageOfAMalformedFrameAreStillRead() {
        String full = "{\"id\":15,\"action\":\"enter\",\"room\":\"truncated\"}";
        assertEquals(new CommandHead("15", null, "enter"), CommandHead.scan(full.substring(0, 35)));
        assertEquals(new CommandHead("15", null, null), CommandHead.scan(full.substring(0, 9)));
        // An id not yet followed by a separator may be cut short ("15" or "150"): not read.
        assertSame(CommandHead.NONE, CommandHead.scan(full.substring(0, 8)));
        assertEquals("3", CommandHead.scan("{\"id\":3,\"action\":\"enter\",\"room\":" + "[".repeat(50_000)).id());
        assertEquals("4", CommandHead.scan("{\"id\":4,\"x\":tru}").id());
    }

    @Test
    void unusableIdsAreReportedOrIgnored() {
        assertEquals("id must be a number or a string", CommandHead.scan("{\"id\":{},\"action\":\"ping\"}").idProblem());
        assertEquals("id must be a number or a string", CommandHead.scan("{\"id\":true,\"action\":\"ping\"}").idProblem());
        CommandHead longString = CommandHead.scan("{\"id\":\"" + "x".repeat(65) + "\",\"action\":\"ping\"}");
        assertNull(longString.id());
        assertEquals("id must be at most 64 characters", longString.idProblem());
        assertEquals("\"" + "x".repeat(64) + "\"", CommandHead.scan("{\"id\":\"" + "x".repeat(64) + "\"}").id());
        assertEquals("id must be at most 64 characters", CommandHead.scan("{\"id\":" + "1".repeat(65) + "}").idProblem());
        // JSON null is no id; text that is not a JSON number or string is no id either.
        assertEquals(new CommandHead(null, null, "ping"), CommandHead.scan("{\"id\":null,\"action\":\"ping\"}"));
        for (String bad : new String[] {"012", "1.", "-", "1e", "0x10", "NaN", "\"a\u0001b\"", "\"\\x\"", "\"\\u12\""}) {
            CommandHead h = CommandHead.scan("{\"id\":" + bad + ",\"action\":\"ping\"}");
            assertNull(h.id(), bad);
        }
    }

    @Test
    void framesThatAreNotObjectsHaveNoHead() {
        for (String s : new String[] {"", "0", "[1]", "\"id\"", "{not json", "{", "{\"id\"", "{\"id\":", "{}"}) {
            assertSame(CommandHead.NONE, CommandHead.scan(s), s);
        }
    }
}
