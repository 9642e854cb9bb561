/**
 * Selecting tests by id, for debugging one promise at a time: `only: ['remove.gone']`, a prefix
 * (`'watch.'` or `'watch.*'`), or an environment variable with the same syntax.
 */

/** The selection from the option, else from the environment variable (comma-separated). */
export function resolveSelection(
  only: readonly string[] | undefined,
  environmentVariable: string,
): readonly string[] | undefined {
  if (only !== undefined) return only;
  const fromEnvironment = process.env[environmentVariable];
  if (fromEnvironment === undefined || fromEnvironment.trim() === '') return undefined;
  return fromEnvironment
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** Whether the test `id` is selected: no selection selects everything. */
export function isSelected(id: string, selection: readonly string[] | undefined): boolean {
  if (selection === undefined) return true;
  return selection.some((entry) => {
    const prefix = entry.endsWith('*') ? entry.slice(0, -1) : entry;
    if (prefix.endsWith('.')) return id.startsWith(prefix);
    return id === prefix || id.startsWith(`${prefix}.`);
  });
}
