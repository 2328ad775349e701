package org.nixnfs.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.nixnfs.server.nfs4.CompoundObserver;
import org.nixnfs.server.nfs4.OpCode;
import org.nixnfs.server.rpc.RpcCall;
import org.nixnfs.server.status.NfsStatus;

/**
 * Per-operation NFS metrics: {@code nixnfs_nfs_operations_seconds} (a histogram, by operation)
 * and {@code nixnfs_nfs_operation_errors_total} (by operation and NFS status), file bytes read
 * ({@code nixnfs_nfs_read_bytes_total}) and replayed COMPOUNDs ({@code nixnfs_nfs_replays_total}).
 * Meters are looked up once per (operation, status) and cached, so recording costs a map lookup
 * and an add.
 */
public final class NfsMetrics implements CompoundObserver {
    private final MeterRegistry registry;
    private final ConcurrentHashMap<Integer, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Counter> errors = new ConcurrentHashMap<>();
    private final Counter replays;
    private final Counter bytesRead;

    public NfsMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.replays = Counter.builder("nixnfs.nfs.replays").description("COMPOUNDs answered from a session replay cache")
                .register(registry);
        this.bytesRead = Counter.builder("nixnfs.nfs.read").baseUnit("bytes")
                .description("File bytes returned by READ").register(registry);
    }

    @Override
    public void operation(int opcode, int status, long nanos) {
        timers.computeIfAbsent(opcode, op -> Timer.builder("nixnfs.nfs.operations")
                .description("NFSv4 operations by name: count and latency")
                .tag("op", OpCode.name(op))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(1_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
        if (status != NfsStatus.NFS4_OK) {
            errors.computeIfAbsent(((long) opcode << 32) | (status & 0xffffffffL), k -> Counter
                    .builder("nixnfs.nfs.operation.errors")
                    .description("NFSv4 operations that failed, by operation and status")
                    .tag("op", OpCode.name(opcode)).tag("status", NfsStatus.name(status))
                    .register(registry)).increment();
        }
    }

    @Override
    public void replayed(RpcCall call) {
        replays.increment();
    }

    @Override
    public void bytesRead(long n) {
        bytesRead.increment(n);
    }
}
