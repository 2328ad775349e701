package org.nixnfs.server.nfs4.op;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.UniversalAddress;
import org.nixnfs.server.nfs4.state.Backchannel;
import org.nixnfs.server.nfs4.state.ClientCallback;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.rpc.Credential;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SETCLIENTID (4.0): establishes a client id, and keeps the client's callback (program, address,
 * callback_ident) for the probe after SETCLIENTID_CONFIRM. The address is used only if it is the
 * very IP the request came from ({@link UniversalAddress#checked}); otherwise the client simply
 * has no callback path, which is logged once per client address.
 */
public final class SetClientId implements Operation<SetClientId.Arguments> {
    private static final Logger log = LoggerFactory.getLogger(SetClientId.class);
    private static final int MAX_NETADDR = 128;

    /** nfs_client_id4 and cb_client4 (program, r_netid, r_addr), callback_ident. */
    record Arguments(byte[] verifier, byte[] ownerId, int program, String netid, String uaddr, int ident) {
    }

    @Override
    public Arguments decode(XdrDecoder in) {
        byte[] verifier = Args.verifier(in);
        byte[] ownerId = in.readOpaque(Args.OPAQUE_LIMIT);
        int program = in.readInt();
        String netid = in.readString(MAX_NETADDR);
        String uaddr = in.readString(MAX_NETADDR);
        int ident = in.readInt();
        return new Arguments(verifier, ownerId, program, netid, uaddr, ident);
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        StateManager.SetClientIdResult r = ctx.services().state().setClientId(args.ownerId(), args.verifier(),
                ctx.principal(), ctx.call().clientAddress(), callback(args, ctx));
        result.writeLong(r.clientId()).writeFixedOpaque(r.confirmVerifier());
    }

    /** The callback to probe once confirmed; its target is null when the address may not be used. */
    private static ClientCallback callback(Arguments args, CompoundContext ctx) {
        Credential cred = ctx.call().credential();
        Backchannel.Security security = cred.flavor() == Credential.AUTH_SYS
                ? new Backchannel.Security(Credential.AUTH_SYS, CALLBACK_AUTH_SYS)
                : new Backchannel.Security(Credential.AUTH_NONE, new byte[0]);
        InetSocketAddress target = null;
        if (ctx.services().callbacks40() != null && ctx.services().delegations()) {
            try {
                target = UniversalAddress.checked(args.netid(), args.uaddr(), remoteIp(ctx.call().channel()));
            } catch (UniversalAddress.Invalid e) {
                String from = ctx.call().clientAddress();
                if (firstFrom(from)) {
                    log.info("4.0 client at {}: {}; no callback path, so no delegations (said once per address)", from,
                            e.getMessage());
                }
            }
        }
        return new ClientCallback(args.program(), args.ident(), target, security);
    }

    /** Addresses told about already; forgotten wholesale when full, so a host is told again now and then. */
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();
    private static final int MAX_LOGGED = 4096;

    private static boolean firstFrom(String address) {
        if (LOGGED.size() >= MAX_LOGGED) {
            LOGGED.clear();
        }
        return LOGGED.add(address);
    }

    /** authsys_parms of the server's callbacks: stamp 0, machine "nixnfs", uid 0, gid 0, no groups. */
    private static final byte[] CALLBACK_AUTH_SYS = {0, 0, 0, 0, 0, 0, 0, 6, 'n', 'i', 'x', 'n', 'f', 's', 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    private static InetAddress remoteIp(Channel ch) {
        SocketAddress a = ch == null ? null : ch.remoteAddress();
        return a instanceof InetSocketAddress i ? i.getAddress() : null;
    }
}
