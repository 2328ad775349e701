// bb_worker in the VM (the executor). The host is E2E_HOST (10.0.2.2).
// External variables: E2E_HOST, E2E_STORAGE_PORT, E2E_SCHEDULER_WORKER_PORT.
local host = std.extVar('E2E_HOST');
{
  blobstore: {
    contentAddressableStorage: { grpc: { address: host + ':' + std.extVar('E2E_STORAGE_PORT') } },
    actionCache: { grpc: { address: host + ':' + std.extVar('E2E_STORAGE_PORT') } },
  },
  scheduler: { address: host + ':' + std.extVar('E2E_SCHEDULER_WORKER_PORT') },
  browserUrl: 'http://localhost/',
  maximumMessageSizeBytes: 16 * 1024 * 1024,
  buildDirectories: [{
    native: {
      buildDirectoryPath: '/worker/build',
      cacheDirectoryPath: '/worker/cache',
      maximumCacheFileCount: 10000,
      maximumCacheSizeBytes: 256 * 1024 * 1024,
      cacheReplacementPolicy: 'LEAST_RECENTLY_USED',
    },
    runners: [{
      endpoint: { address: 'unix:///worker/runner.sock' },
      concurrency: 1,
      instanceNamePrefix: '',
      platform: { properties: [{ name: 'OSFamily', value: 'linux' }] },
      workerId: { host: 'nixnfs-e2e-vm' },
    }],
  }],
  filePool: { inMemory: {} },
  inputDownloadConcurrency: 8,
  outputUploadConcurrency: 8,
  directoryCache: {
    maximumCount: 1000,
    maximumSizeBytes: 1000 * 1024,
    cacheReplacementPolicy: 'LEAST_RECENTLY_USED',
  },
}
