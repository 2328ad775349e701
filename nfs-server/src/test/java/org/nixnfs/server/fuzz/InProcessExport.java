package org.nixnfs.server.fuzz;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.nixnfs.server.nfs4.AccessRecorder;
import org.nixnfs.server.nfs4.CompoundObserver;
import org.nixnfs.server.nfs4.CompoundProcessor;
import org.nixnfs.server.nfs4.Nfs4Program;
import org.nixnfs.server.nfs4.NfsServices;
import org.nixnfs.server.nfs4.Operations;
import org.nixnfs.server.nfs4.attr.AttributeEncoder;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.rpc.RecordMarkingDecoder;
import org.nixnfs.server.rpc.RecordMarkingEncoder;
import org.nixnfs.server.rpc.RpcDispatcher;
import org.nixnfs.server.testing.TestStore;
import org.nixnfs.server.vfs.CacheSettings;
import org.nixnfs.server.vfs.ExportFileSystem;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.StorePath;

/**
 * The server's request path without sockets, for fuzzing: the test store exported by the real
 * filesystem, state, COMPOUND processor and RPC dispatcher, behind the real record-marking
 * decoder in a Netty {@link EmbeddedChannel}. Work the dispatcher would hand to the worker pool
 * runs on the calling thread, so one input is one deterministic execution.
 *
 * <p>{@link #feed} fails (a fuzz finding) when the server answers SYSTEM_ERR (an operation threw
 * something it did not mean to), when the pipeline throws anything but a decoding error (which
 * the real server answers by closing that connection), or when a connection is closed for
 * anything else (the dispatcher's answer to an {@link Error}).
 */
final class InProcessExport {
    static final int SYSTEM_ERR = 5;
    private static InProcessExport instance;

    final TestStore store;
    final StateManager state;
    final RpcDispatcher dispatcher;
    final int maxRecordSize;

    private InProcessExport(TestStore store) throws Exception {
        this.store = store;
        NixDatabase db = NixDatabase.open(store.nix.storeRoot());
        StoreIndexHolder index = new StoreIndexHolder(db.load());
        ExportFileSystem fs = new ExportFileSystem(db.storeDirectory(), StorePath.STORE_DIR, index,
                CacheSettings.defaults());
        state = new StateManager(90, System::nanoTime);
        NfsServices.Limits limits = NfsServices.Limits.defaults();
        NfsServices services = new NfsServices(fs, state, new AttributeEncoder(StorePath.STORE_DIR, 90, limits.maxRead()),
                AccessRecorder.NONE, limits, "nixnfs@fuzz".getBytes());
        CompoundProcessor processor = new CompoundProcessor(services, new Operations(), CompoundObserver.NONE);
        dispatcher = new RpcDispatcher(List.of(new Nfs4Program(processor)), Runnable::run, 256, 8 << 20);
        maxRecordSize = limits.maxRequestSize() + 4096;
    }

    static synchronized InProcessExport get() throws Exception {
        if (instance == null) {
            quietLogs();
            instance = new InProcessExport(TestStore.get());
        }
        return instance;
    }

    /** Bad input is logged at warn per request; millions of inputs would drown the run in it. */
    static void quietLogs() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        }
    }

    /** A new connection: the pipeline the real server gives each one (minus timeouts and limits). */
    EmbeddedChannel connect() {
        return new EmbeddedChannel(new RecordMarkingDecoder(maxRecordSize), new RecordMarkingEncoder(), dispatcher);
    }

    /** One reply: its RPC accept status (-1 if denied) and the rest of its body. */
    record Reply(int xid, int acceptStat, XdrDecoder body) {
    }

    /**
     * Feeds bytes into the connection and collects the replies. Returns null if the connection
     * was closed for a decoding error (as the real server does); the caller then reconnects.
     */
    List<Reply> feed(EmbeddedChannel ch, byte[] bytes) {
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        } catch (DecoderException e) {
            ch.close();
            drain(ch);
            return null;
        }
        List<Reply> replies = drain(ch);
        if (!ch.isOpen()) {
            throw new AssertionError("the connection was closed without a decoding error (a fatal error in a call)");
        }
        for (Reply r : replies) {
            if (r.acceptStat() == SYSTEM_ERR) {
                throw new AssertionError("xid " + r.xid() + " was answered SYSTEM_ERR: an internal error (see the log)");
            }
        }
        return replies;
    }

    /**
     * Outbound, each reply is a 4-byte record mark and then its bytes, in however many parts
     * (buffers, file regions for READ data; the mark shares the first buffer).
     */
    private static List<Reply> drain(EmbeddedChannel ch) {
        List<Reply> replies = new ArrayList<>();
        ByteBuf body = null;
        long left = 0;
        Object m;
        while ((m = ch.readOutbound()) != null) {
            try {
                if (m instanceof ByteBuf b) {
                    while (b.isReadable()) {
                        if (body == null) {
                            left = b.readInt() & 0x7fffffffL;
                            body = Unpooled.buffer();
                        }
                        int n = (int) Math.min(left, b.readableBytes());
                        body.writeBytes(b, n);
                        left -= n;
                        if (left == 0) {
                            replies.add(parse(body));
                            body = null;
                        }
                    }
                } else {
                    left -= ((FileRegion) m).count(); // READ data sent with sendfile
                    if (left == 0) {
                        replies.add(parse(body));
                        body = null;
                    }
                }
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
        return replies;
    }

    private static Reply parse(ByteBuf record) {
        XdrDecoder d = new XdrDecoder(record);
        int xid = d.readInt();
        d.readInt(); // REPLY
        if (d.readInt() != 0) {
            return new Reply(xid, -1, d); // MSG_DENIED
        }
        d.readInt(); // verifier
        d.skipOpaque(400);
        return new Reply(xid, d.readInt(), d);
    }
}
