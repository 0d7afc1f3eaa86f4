import { resolve } from 'node:path';
import { projectTestConfig } from '../vitest.shared.ts';

// projectTestConfig finds the workspace root two levels above the directory it is given
// (libs/<name>, services/<name>); bench/ sits one level deep, so hand it a directory inside it.
export default projectTestConfig(resolve(import.meta.dirname, 'test'), 'bench');
