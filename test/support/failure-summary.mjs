// A test reporter that prints nothing until the run ends, then the failed tests: file, the names
// from the suite down and the first lines of the error. CI keeps only the tail of a long TAP log,
// and without this the names of the failures scroll out of it.
import { relative } from 'node:path';

const ERROR_LINES = 8;

function errorText(error) {
  // The runner wraps a test's own error in one of its own, whose cause is the useful part.
  const cause = error?.cause ?? error;
  const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return text.split('\n').filter((line) => line.trim() !== '').slice(0, ERROR_LINES).map((line) => `      ${line}`).join('\n');
}

export default async function* failureSummary(source) {
  const failures = [];
  /** names of the suites and tests open at each nesting level, to print a failure's full path */
  const open = [];
  for await (const event of source) {
    if (event.type === 'test:start') open[event.data.nesting] = event.data.name;
    if (event.type !== 'test:fail') continue;
    const { name, nesting, file, details } = event.data;
    // A suite fails when one of its tests does: the test is the one to name.
    if (details.error?.failureType === 'subtestsFailed') continue;
    failures.push({ file: file ? relative(process.cwd(), file) : '(no file)', path: [...open.slice(0, nesting), name].join(' > '), error: errorText(details.error) });
  }
  if (failures.length === 0) return;
  yield `\n# ${failures.length} failed:\n`;
  for (const failure of failures) yield `#   ${failure.file}\n#     ${failure.path}\n${failure.error.replace(/^/gm, '#')}\n`;
}
