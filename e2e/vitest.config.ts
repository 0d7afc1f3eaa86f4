import { resolve } from 'node:path';
import { projectTestConfig } from '../vitest.shared.ts';

// projectTestConfig finds the repository root two levels above the project dir (libs/<x>,
// services/<x>); e2e/ sits one level below it, so hand it a dir one level deeper.
export default projectTestConfig(resolve(import.meta.dirname, 'test'), 'e2e');
