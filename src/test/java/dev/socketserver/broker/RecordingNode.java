package dev.socketserver.broker;

import dev.socketserver.message.Publication;
import dev.socketserver.message.Target;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A node as the broker sees it, for the contract tests: records what it is given, answers
 * control commands with a function the test sets, and can be told to fail.
 */
public final class RecordingNode implements BrokerEventHandler {
    public final String name;
    public final Queue<Publication> received = new ConcurrentLinkedQueue<>();
    public final Queue<ControlCommand> commands = new ConcurrentLinkedQueue<>();
    public final Queue<Gap> gaps = new ConcurrentLinkedQueue<>();
    /** "lost: why" and "restored", in the order the broker reported them. */
    public final Queue<String> links = new ConcurrentLinkedQueue<>();
    /** Runs inside the handler before a publication is recorded; tests replace it to hold or fail a delivery. */
    public volatile Consumer<Publication> inHandler = p -> { };
    public volatile Function<ControlCommand, ControlReply> answer = c -> new ControlReply.Connections(0);

    public RecordingNode(String name) {
        this.name = name;
    }

    @Override
    public void onPublication(Publication publication) {
        inHandler.accept(publication);
        received.add(publication);
    }

    @Override
    public ControlReply onControl(ControlCommand command) {
        commands.add(command);
        return answer.apply(command);
    }

    @Override
    public void onGap(Gap gap) {
        gaps.add(gap);
    }

    @Override
    public void onLinkLost(String why) {
        links.add("lost: " + why);
    }

    @Override
    public void onLinkRestored() {
        links.add("restored");
    }

    public List<Publication> receivedFor(Target t) {
        return received.stream().filter(p -> p.target().equals(t)).toList();
    }

    public List<String> entityIdsFor(Target t) {
        return receivedFor(t).stream().map(p -> p.notification().entityId()).toList();
    }

    @Override
    public String toString() {
        return "RecordingNode[" + name + "]";
    }
}
