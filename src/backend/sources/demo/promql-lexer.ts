import { parseError } from './promql-errors';
import { shortened } from '../../../common/validation';

/**
 * PromQL tokens, produced on demand: the parser stops at the first construct it cannot handle,
 * so the rest of the input (a subquery's `[5m:1m]`, say) never needs to lex cleanly.
 */

export const PUNCTUATION = [
  '==', '!=', '=~', '!~', '<=', '>=',
  '(', ')', '{', '}', '[', ']', ',', '=', '+', '-', '*', '/', '%', '^', '<', '>', '@', ':',
] as const;
export type Punct = (typeof PUNCTUATION)[number];

export type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'number'; text: string; pos: number; value: number }
  | { kind: 'duration'; text: string; pos: number }
  | { kind: 'string'; text: string; pos: number; value: string }
  | { kind: 'punct'; text: Punct; pos: number }
  | { kind: 'eof'; text: ''; pos: number };

/** How a token is named in an error message. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'end of input';
    case 'ident':
      return `identifier '${token.text}'`;
    case 'number':
      return `number '${token.text}'`;
    case 'duration':
      return `duration '${token.text}'`;
    case 'string':
      return `string ${shortened(token.text, 40)}`;
    case 'punct':
      return `'${token.text}'`;
  }
}

const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const NUMBER = /0[xX][0-9a-fA-F]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const DURATION = /(?:[0-9]+(?:ms|[smhdwy]))+/y;
const IDENT_CHAR = /[a-zA-Z0-9_:]/;
const WORD_RUN = /[a-zA-Z0-9_:.]*/y;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"',
};

export class Lexer {
  private pos = 0;
  private readonly buffered: Token[] = [];

  constructor(private readonly expr: string) {}

  /** The k-th token ahead without consuming it. */
  peek(k = 0): Token {
    while (this.buffered.length <= k) this.buffered.push(this.lex());
    return this.buffered[k]!;
  }

  next(): Token {
    const token = this.peek();
    this.buffered.shift();
    return token;
  }

  private lex(): Token {
    this.skipSpaceAndComments();
    const { expr } = this;
    const start = this.pos;
    if (start >= expr.length) return { kind: 'eof', text: '', pos: start };
    const c = expr[start]!;

    if (c === '"' || c === "'" || c === '`') return this.lexString(c);
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(expr[start + 1] ?? ''))) return this.lexNumber();
    IDENT.lastIndex = start;
    const ident = IDENT.exec(expr);
    if (ident) {
      this.pos = start + ident[0].length;
      return { kind: 'ident', text: ident[0], pos: start };
    }
    for (const p of PUNCTUATION) {
      if (expr.startsWith(p, start)) {
        this.pos = start + p.length;
        return { kind: 'punct', text: p, pos: start };
      }
    }
    throw parseError(expr, start, `unexpected character '${c}'`);
  }

  private skipSpaceAndComments(): void {
    const { expr } = this;
    while (this.pos < expr.length) {
      const c = expr[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === '#') {
        const end = expr.indexOf('\n', this.pos);
        this.pos = end < 0 ? expr.length : end + 1;
      } else return;
    }
  }

  private lexNumber(): Token {
    const { expr } = this;
    const start = this.pos;
    NUMBER.lastIndex = start;
    const number = NUMBER.exec(expr)![0];
    const after = start + number.length;
    if (after < expr.length && IDENT_CHAR.test(expr[after]!)) {
      DURATION.lastIndex = start;
      const duration = DURATION.exec(expr)?.[0];
      const end = duration ? start + duration.length : after;
      if (duration && (end >= expr.length || !IDENT_CHAR.test(expr[end]!))) {
        this.pos = end;
        return { kind: 'duration', text: duration, pos: start };
      }
      WORD_RUN.lastIndex = start;
      throw parseError(expr, start, `bad number or duration syntax '${WORD_RUN.exec(expr)![0]}'`);
    }
    this.pos = after;
    return { kind: 'number', text: number, pos: start, value: Number(number) };
  }

  private lexString(quote: string): Token {
    const { expr } = this;
    const start = this.pos;
    let i = start + 1;
    if (quote === '`') {
      const end = expr.indexOf('`', i);
      if (end < 0) throw parseError(expr, start, 'unterminated raw string');
      this.pos = end + 1;
      return { kind: 'string', text: expr.slice(start, end + 1), pos: start, value: expr.slice(i, end) };
    }
    let value = '';
    for (;;) {
      if (i >= expr.length || expr[i] === '\n') throw parseError(expr, start, 'unterminated quoted string');
      const c = expr[i]!;
      if (c === quote) break;
      if (c !== '\\') {
        value += c;
        i++;
        continue;
      }
      const [decoded, length] = this.escape(i);
      value += decoded;
      i += length;
    }
    this.pos = i + 1;
    return { kind: 'string', text: expr.slice(start, i + 1), pos: start, value };
  }

  /** Go-style escapes, as Prometheus unquotes strings. Returns the text and the escape's length. */
  private escape(at: number): [string, number] {
    const { expr } = this;
    const e = expr[at + 1] ?? '';
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) return [simple, 2];
    const hex = (digits: number): [string, number] => {
      const text = expr.slice(at + 2, at + 2 + digits);
      if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(text)) {
        throw parseError(expr, at, `invalid escape '\\${e}${text}' (expected ${digits} hex digits)`);
      }
      const code = parseInt(text, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        throw parseError(expr, at, `escape '\\${e}${text}' is not a valid Unicode code point`);
      }
      return [String.fromCodePoint(code), 2 + digits];
    };
    if (e === 'x') return hex(2);
    if (e === 'u') return hex(4);
    if (e === 'U') return hex(8);
    if (/[0-7]/.test(e)) {
      const text = expr.slice(at + 1, at + 4);
      if (!/^[0-7]{3}$/.test(text) || parseInt(text, 8) > 255) {
        throw parseError(expr, at, `invalid octal escape '\\${text}' (expected three octal digits up to \\377)`);
      }
      return [String.fromCharCode(parseInt(text, 8)), 4];
    }
    throw parseError(
      expr,
      at,
      `unknown escape sequence '\\${e}' in string`,
      `write '\\\\${e}' for a literal backslash (e.g. in a regular expression) or use a \`raw string\``,
    );
  }
}
