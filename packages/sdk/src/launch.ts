import { type LaunchSettings, readLaunchEnv } from '@cell/host';

let settings: LaunchSettings | undefined;

/**
 * Where this process runs, as its nucleus told it (the launch environment, docs/launch-env.md):
 * parsed once, on first use, never at import time.
 */
export function launchSettings(): LaunchSettings {
  settings ??= readLaunchEnv(process.env);
  return settings;
}
