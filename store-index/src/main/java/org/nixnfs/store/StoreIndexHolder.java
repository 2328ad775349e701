package org.nixnfs.store;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Holds the current {@link StoreIndex}; refreshes swap it atomically and notify listeners. */
public final class StoreIndexHolder {
    private volatile StoreIndex current;
    private final List<Consumer<StoreIndex>> listeners = new CopyOnWriteArrayList<>();

    public StoreIndexHolder(StoreIndex initial) {
        this.current = initial;
    }

    public StoreIndex current() {
        return current;
    }

    public void replace(StoreIndex next) {
        current = next;
        for (Consumer<StoreIndex> l : listeners) {
            l.accept(next);
        }
    }

    public void addListener(Consumer<StoreIndex> listener) {
        listeners.add(listener);
    }
}
