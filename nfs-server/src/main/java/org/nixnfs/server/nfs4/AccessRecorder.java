package org.nixnfs.server.nfs4;

/**
 * Told about every use of a store path by a client (a LOOKUP into it or any operation on a
 * handle inside it). Called on the request path: implementations must not block.
 */
@FunctionalInterface
public interface AccessRecorder {
    AccessRecorder NONE = (hashPart, client) -> { };

    void accessed(String storePathHash, String clientAddress);
}
