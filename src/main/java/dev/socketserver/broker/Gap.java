package dev.socketserver.broker;

import dev.socketserver.message.Target;
import java.util.Objects;

/**
 * What a broker tells a node when its view of streams may have a gap: publications may have
 * been accepted that this node was not given. The node must make every affected client recover
 * (never leave it with a silent gap).
 */
public sealed interface Gap {

    /** The link to the engine was lost (and may be back): every stream this node follows may have a gap. */
    record LinkLost(String why) implements Gap {
        public LinkLost {
            Objects.requireNonNull(why, "why");
        }
    }

    /** One stream may have a gap at this node (a missed offset, a delivery that failed). */
    record Stream(Target target) implements Gap {
        public Stream {
            Objects.requireNonNull(target, "target");
        }
    }
}
