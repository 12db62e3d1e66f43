/**
 * Label values and variable values that try to break out of a PromQL string literal or otherwise
 * change a query: quotes, backslashes, line breaks and other control characters, comment starts,
 * macros, and Unicode that renders deceptively. Used by the unit and the integration tests.
 */
export const INJECTIONS = [
  '"} or vector(1) #',
  '"} or vector(1) # comment',
  'BR"} or up{job="x',
  "it's",
  'back\\slash',
  'trailing\\',
  '\\"',
  'line\nbreak',
  'carriage\rreturn',
  'tab\there',
  'nul\u0000byte',
  'bell\u0007 del\u007f',
  '`backtick`',
  '${__interval}',
  '{{market}}',
  'ünïcödé 日本語 😀',
  'rtl \u202e override',
  'zero\u200bwidth',
  'line\u2028separator',
  '',
];
