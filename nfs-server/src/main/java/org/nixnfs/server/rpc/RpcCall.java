package org.nixnfs.server.rpc;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.nixnfs.server.xdr.XdrDecoder;

/**
 * A decoded RPC call header; {@link #args()} is positioned at the procedure's arguments.
 *
 * @param clientAddress the caller's IP address as text, for logs and usage tracking (see
 *                      {@link #addressOf}: formatted once per connection, not per call)
 */
public record RpcCall(int xid, int program, int version, int procedure, Credential credential,
                      XdrDecoder args, Channel channel, String clientAddress) {

    /** The peer's IP address as text. */
    public static String addressOf(Channel channel) {
        SocketAddress a = channel == null ? null : channel.remoteAddress();
        return a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() : String.valueOf(a);
    }
}
