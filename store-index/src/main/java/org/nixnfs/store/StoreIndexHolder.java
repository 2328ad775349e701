package org.nixnfs.store;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Holds the current {@link StoreIndex}; refreshes swap it atomically and notify listeners. */
public final class StoreIndexHolder {
    private static final Logger log = LoggerFactory.getLogger(StoreIndexHolder.class);

    private volatile StoreIndex current;
    private final List<Consumer<StoreIndex>> listeners = new CopyOnWriteArrayList<>();

    public StoreIndexHolder(StoreIndex initial) {
        this.current = initial;
    }

    public StoreIndex current() {
        return current;
    }

    /**
     * Makes {@code next} current, then tells every listener, on the calling thread. A listener that
     * throws is logged and does not keep the others from hearing of the change.
     */
    public void replace(StoreIndex next) {
        current = next;
        for (Consumer<StoreIndex> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                log.error("Store index listener {} failed", l, e);
            }
        }
    }

    public void addListener(Consumer<StoreIndex> listener) {
        listeners.add(listener);
    }
}
