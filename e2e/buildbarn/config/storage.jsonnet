// bb_storage on the host: the CAS and the action cache, both in memory.
// External variables (Buildbarn passes the environment): E2E_STORAGE_PORT.
local inMemory(blocks) = {
  'local': {
    keyLocationMapInMemory: { entries: 1024 * 1024 },
    keyLocationMapMaximumGetAttempts: 8,
    keyLocationMapMaximumPutAttempts: 32,
    oldBlocks: 2,
    currentBlocks: blocks,
    newBlocks: 1,
    blocksInMemory: { blockSizeBytes: 64 * 1024 * 1024 },
  },
};
local allow = { allow: {} };
{
  grpcServers: [{
    listenAddresses: ['127.0.0.1:' + std.extVar('E2E_STORAGE_PORT')],
    authenticationPolicy: { allow: {} },
  }],
  maximumMessageSizeBytes: 16 * 1024 * 1024,
  contentAddressableStorage: {
    backend: inMemory(8),
    getAuthorizer: allow,
    putAuthorizer: allow,
    findMissingAuthorizer: allow,
  },
  actionCache: {
    backend: { completenessChecking: { backend: inMemory(2), maximumTotalTreeSizeBytes: 64 * 1024 * 1024 } },
    getAuthorizer: allow,
    putAuthorizer: allow,
  },
}
