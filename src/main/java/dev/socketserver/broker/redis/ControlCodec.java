package dev.socketserver.broker.redis;

import dev.socketserver.broker.ControlCommand;
import dev.socketserver.broker.ControlReply;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/** Control commands and replies as bytes: a tag, then the record's fields. */
final class ControlCodec {
    private ControlCodec() {
    }

    /** A request: its id, the node that waits for the replies, the command. */
    record Request(String id, String from, ControlCommand command) {
    }

    /** A reply: the request's id, the node answering, and its reply or why it failed. */
    record Response(String id, String node, ControlReply reply, String error) {
    }

    interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] bytes(Writer w) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(b)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    static byte[] request(Request r) {
        return bytes(out -> {
            out.writeUTF(r.id());
            out.writeUTF(r.from());
            ControlCommand command = r.command();
            if (command instanceof ControlCommand.SubscribeUser c) {
                out.writeByte(1);
                out.writeUTF(c.userId());
                out.writeUTF(c.room());
            } else if (command instanceof ControlCommand.UnsubscribeUser c) {
                out.writeByte(2);
                out.writeUTF(c.userId());
                out.writeUTF(c.room());
            } else if (command instanceof ControlCommand.DisconnectUser c) {
                out.writeByte(3);
                out.writeUTF(c.userId());
                out.writeBoolean(c.reconnect());
            } else if (command instanceof ControlCommand.Rooms c) {
                out.writeByte(4);
                out.writeUTF(c.pattern());
            } else if (command instanceof ControlCommand.Info) {
                out.writeByte(5);
            } else {
                throw new IllegalArgumentException("no encoding for control command " + command);
            }
        });
    }

    static Request request(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            String id = in.readUTF();
            String from = in.readUTF();
            ControlCommand c = switch (in.readByte()) {
                case 1 -> new ControlCommand.SubscribeUser(in.readUTF(), in.readUTF());
                case 2 -> new ControlCommand.UnsubscribeUser(in.readUTF(), in.readUTF());
                case 3 -> new ControlCommand.DisconnectUser(in.readUTF(), in.readBoolean());
                case 4 -> new ControlCommand.Rooms(in.readUTF());
                case 5 -> new ControlCommand.Info();
                default -> throw new IllegalArgumentException("unknown control command");
            };
            return new Request(id, from, c);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] response(Response r) {
        return bytes(out -> {
            out.writeUTF(r.id());
            out.writeUTF(r.node());
            if (r.error() != null) {
                out.writeByte(0);
                out.writeUTF(r.error());
                return;
            }
            ControlReply reply = r.reply();
            if (reply instanceof ControlReply.Connections c) {
                out.writeByte(1);
                out.writeInt(c.count());
            } else if (reply instanceof ControlReply.Rooms c) {
                out.writeByte(2);
                out.writeInt(c.rooms().size());
                for (Map.Entry<String, Integer> e : c.rooms().entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeInt(e.getValue());
                }
            } else if (reply instanceof ControlReply.Stats st) {
                out.writeByte(3);
                out.writeUTF(st.nodeId());
                out.writeLong(st.uptimeMillis());
                out.writeInt(st.clients());
                out.writeInt(st.users());
                out.writeInt(st.rooms());
                out.writeLong(st.publications());
                out.writeLong(st.deliveries());
            } else {
                throw new IllegalArgumentException("no encoding for control reply " + reply);
            }
        });
    }

    static Response response(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            String id = in.readUTF();
            String node = in.readUTF();
            byte tag = in.readByte();
            return switch (tag) {
                case 0 -> new Response(id, node, null, in.readUTF());
                case 1 -> new Response(id, node, new ControlReply.Connections(in.readInt()), null);
                case 2 -> {
                    int n = in.readInt();
                    Map<String, Integer> rooms = new HashMap<>();
                    for (int i = 0; i < n; i++) {
                        rooms.put(in.readUTF(), in.readInt());
                    }
                    yield new Response(id, node, new ControlReply.Rooms(rooms), null);
                }
                case 3 -> new Response(id, node, new ControlReply.Stats(in.readUTF(), in.readLong(), in.readInt(),
                        in.readInt(), in.readInt(), in.readLong(), in.readLong()), null);
                default -> throw new IllegalArgumentException("unknown control reply");
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
