package org.nixnfs.server.nfs4;

import org.nixnfs.server.nfs4.attr.AttributeEncoder;
import org.nixnfs.server.nfs4.state.ChannelAttributes;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.vfs.ExportFileSystem;

/**
 * What operations work with, shared by all requests: the filesystem, client state, attribute
 * encoding, usage recording, the server's limits, whether OPEN grants read delegations, and
 * what makes NFSv4.0 callback connections ({@code callbacks40}; null: none, so 4.0 clients get no
 * delegations).
 */
public record NfsServices(ExportFileSystem fs, StateManager state, AttributeEncoder attributes,
                          AccessRecorder accessRecorder, Limits limits, byte[] serverOwner, boolean delegations,
                          CallbackConnector callbacks40) {

    /** No 4.0 callbacks. */
    public NfsServices(ExportFileSystem fs, StateManager state, AttributeEncoder attributes,
                       AccessRecorder accessRecorder, Limits limits, byte[] serverOwner, boolean delegations) {
        this(fs, state, attributes, accessRecorder, limits, serverOwner, delegations, null);
    }

    /** Delegations on (where a backchannel allows them). */
    public NfsServices(ExportFileSystem fs, StateManager state, AttributeEncoder attributes,
                       AccessRecorder accessRecorder, Limits limits, byte[] serverOwner) {
        this(fs, state, attributes, accessRecorder, limits, serverOwner, true);
    }

    /** Sizes the server grants clients. */
    public record Limits(int maxRead, int maxRequestSize, int maxResponseSize, int maxOperations, int slotsPerSession) {
        public static Limits defaults() {
            return new Limits(1 << 20, (1 << 20) + 64 * 1024, (1 << 20) + 64 * 1024, 64, 128);
        }

        public ChannelAttributes foreChannel() {
            return new ChannelAttributes(0, maxRequestSize, maxResponseSize, 64 * 1024, maxOperations, slotsPerSession);
        }
    }
}
