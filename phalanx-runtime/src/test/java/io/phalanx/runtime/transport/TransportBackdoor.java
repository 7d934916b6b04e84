package io.phalanx.runtime.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.keys.NodeIdentity;

import java.io.IOException;

/** Test-only access to transport internals, so driver tests in other packages can misbehave on the wire. */
public final class TransportBackdoor {
    private TransportBackdoor() {
    }

    /** Writes a raw 4-byte length prefix announcing {@code length} bytes to {@code peer}, bypassing the limit check. */
    public static void writeLengthPrefix(ReplicaMesh mesh, int peer, int length) {
        Channel channel = mesh.channelTo(peer);
        if (channel == null) {
            throw new IllegalStateException("no connection to " + peer);
        }
        channel.writeAndFlush(Unpooled.buffer(4).writeInt(length));
    }

    /** A client connector presenting any identity, even one the config does not list. */
    public static ClientTransport clientWithAnyIdentity(ClusterConfig config, long clientId, NodeIdentity identity,
                                                        FrameHandler handler) throws IOException {
        return ClientTransport.startUnchecked(config, clientId, identity, handler, null);
    }
}
