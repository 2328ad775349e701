// bb_scheduler on the host. Bazel talks to the client port, bb_worker (in the VM, through
// QEMU's user network: the guest's 10.0.2.2 is the host's 127.0.0.1) to the worker port.
// External variables: E2E_STORAGE_PORT, E2E_SCHEDULER_CLIENT_PORT,
// E2E_SCHEDULER_WORKER_PORT, E2E_SCHEDULER_ADMIN_PORT.
local allow = { allow: {} };
{
  adminHttpServers: [{
    listenAddresses: ['127.0.0.1:' + std.extVar('E2E_SCHEDULER_ADMIN_PORT')],
    authenticationPolicy: { allow: {} },
  }],
  clientGrpcServers: [{
    listenAddresses: ['127.0.0.1:' + std.extVar('E2E_SCHEDULER_CLIENT_PORT')],
    authenticationPolicy: { allow: {} },
  }],
  workerGrpcServers: [{
    listenAddresses: ['127.0.0.1:' + std.extVar('E2E_SCHEDULER_WORKER_PORT')],
    authenticationPolicy: { allow: {} },
  }],
  browserUrl: 'http://localhost/',
  contentAddressableStorage: { grpc: { address: '127.0.0.1:' + std.extVar('E2E_STORAGE_PORT') } },
  maximumMessageSizeBytes: 16 * 1024 * 1024,
  executeAuthorizer: allow,
  modifyDrainsAuthorizer: allow,
  killOperationsAuthorizer: allow,
  actionRouter: {
    simple: {
      // Bazel 4 puts the platform in the Command message only (REv2 2.0).
      platformKeyExtractor: { actionAndCommand: {} },
      invocationKeyExtractors: [{ toolInvocationId: {} }],
      initialSizeClassAnalyzer: {
        defaultExecutionTimeout: '1800s',
        maximumExecutionTimeout: '3600s',
      },
    },
  },
  // Bazel may submit before the VM's worker has registered: the queue waits for it.
  predeclaredPlatformQueues: [{
    instanceNamePrefix: '',
    platform: { properties: [{ name: 'OSFamily', value: 'linux' }] },
    sizeClasses: [0],
  }],
  platformQueueWithNoWorkersTimeout: '900s',
}
