// bb_runner in the VM: runs each action's command in the build directory that bb_worker
// prepared, with no Nix and no /nix/store but the NFS mount.
{
  buildDirectoryPath: '/worker/build',
  grpcServers: [{
    listenPaths: ['/worker/runner.sock'],
    authenticationPolicy: { allow: {} },
  }],
}
