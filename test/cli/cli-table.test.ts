import { describe, expect, it } from 'vitest';
import { renderTable } from '../../cli/table.ts';

describe('renderTable', () => {
  it('shows control characters from registry strings as ?, so a value cannot clear the screen or break the table', () => {
    const rows = [{ region: '\u001b[2J\u001b[31mus' }, { region: 'eu\nwest' }];
    const lines = renderTable([['REGION', (row: { region: string }) => row.region]], rows);
    expect(lines).toEqual(['REGION', '?[2J?[31mus', 'eu?west']);
  });
});
