import { describe, expect, test } from 'vitest';
import { textTable } from '../src/index.ts';

describe('textTable', () => {
  test('columns as wide as their widest cell, numbers right-aligned, a rule under the head', () => {
    const lines = textTable(
      ['kind', 'users', 'note'],
      [
        ['link', '1', 'blocked'],
        ['normal', '149', ''],
      ],
      { right: [1] },
    );
    expect(lines).toEqual([
      'kind    users  note',
      '------  -----  -------',
      'link        1  blocked',
      'normal    149',
    ]);
  });

  test('no rule when asked; short rows are padded; an empty body is the head alone', () => {
    expect(textTable(['a', 'b'], [['xyz']], { rule: false })).toEqual(['a    b', 'xyz']);
    expect(textTable(['a', 'b'], [])).toEqual(['a  b', '-  -']);
  });
});
