// The browser tests' local cloud: the integration tests' setup (in memory, free ports, from cdk.out, which
// carries the pages), after checking that there is a chromium to drive.
import type { TestProject } from 'vitest/node';
import startCloud from '../integration/global-setup.ts';
import { chromiumPath } from './chromium.ts';

export default async function setup(project: TestProject) {
  chromiumPath();
  return startCloud(project);
}
