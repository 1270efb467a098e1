package dev.socketserver.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.socketserver.error.ErrorCode;
import org.junit.jupiter.api.Test;

class CommandCodecTest {
    private final CommandCodec codec = new CommandCodec();

    private Command parse(String text) throws CommandCodec.CommandException {
        return codec.parse(CommandHead.scan(text), text);
    }

    @Test
    void parsesCommandsAndKeepsRawIds() throws Exception {
        Command c = parse("{\"id\":7,\"action\":\"enter\",\"room\":\"r\"}");
        assertEquals(new Command.Enter("7", "r", null), c);
        assertEquals(new Command.Leave("\"x\"", "r"), parse("{\"id\":\"x\",\"action\":\"leave\",\"room\":\"r\"}"));
        assertInstanceOf(Command.Ping.class, parse("{\"action\":\"ping\"}"));
        // Any JSON number or short string is a valid id and is echoed verbatim.
        assertInstanceOf(Command.Ping.class, parse("{\"id\":1e999999999,\"action\":\"ping\"}"));
    }

    @Test
    void hostileJsonIsABadRequest() {
        for (String s : new String[] {
            "[".repeat(60_000),
            "{\"id\":1,\"action\":\"enter\",\"room\":" + "{\"a\":".repeat(12_000),
            "{\"action\":\"enter\",\"room\":1e999999999}",
            "{\"action\":" + "9".repeat(5000) + "}",
            "1" + "0".repeat(30_000),
            "{\"id\":" + "1".repeat(30_000) + ",\"action\":\"ping\"}",
        }) {
            CommandCodec.CommandException e = assertThrows(CommandCodec.CommandException.class, () -> parse(s),
                    s.substring(0, Math.min(60, s.length())));
            assertEquals(ErrorCode.BAD_REQUEST, e.error.code());
        }
    }

    @Test
    void errorsCarryTheIdWheneverTheFrameHadAValidOne() {
        String[][] cases = {
            {"{\"id\":1,\"action\":\"enter\",\"room\":" + "{\"a\":".repeat(12_000), "1"},
            {"{\"id\":\"x\",\"action\":\"enter\",\"room\":\"trunc", "\"x\""},
            {"{\"id\":2,\"action\":\"dance\"}", "2"},
            {"{\"id\":3,\"action\":7}", "3"},
            {"{\"id\":4,\"action\":\"enter\",\"since\":5,\"room\":\"r\"}", "4"},
            {"{\"id\":5,\"action\":\"refresh\"}", "5"},
            {"{\"id\":{},\"action\":\"ping\"}", null},
            {"{\"id\":\"" + "y".repeat(65) + "\",\"action\":\"ping\"}", null},
            {"[{\"id\":6}]", null},
        };
        for (String[] c : cases) {
            CommandCodec.CommandException e = assertThrows(CommandCodec.CommandException.class, () -> parse(c[0]), c[0]);
            assertEquals(c[1], e.id, c[0]);
            assertEquals(ErrorCode.BAD_REQUEST, e.error.code());
        }
    }
}
