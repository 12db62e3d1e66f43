/**
 * A linear-time, fully anchored matcher for the regular expressions label filters use.
 *
 * JavaScript's RegExp backtracks: `(a+)+$` against "aaaa…b" takes 2^n steps, so one filter value
 * could hold a core for hours. Prometheus uses RE2, which never backtracks. This module gives the
 * backend's own evaluators (the demo source, the KPI evaluator) the same guarantee by
 * construction: the pattern is parsed into a Thompson NFA and run as a state-set simulation, so
 * matching costs at most (input length × NFA states) steps whatever the pattern.
 *
 * Only the structure (concatenation, alternation, groups, repetition, anchors, word boundaries)
 * is interpreted here. Every single-character item (a literal, `.`, `[...]`, `\d`, `\p{L}`, ...)
 * is still tested by a JavaScript RegExp of that item alone against one character, which is
 * constant work and keeps JavaScript's exact meaning of classes, escapes and flags.
 *
 * Callers validate the pattern with `new RegExp` first; backreferences and lookaround (which an
 * NFA cannot express and RE2 does not have) are refused with UnsupportedRegex.
 */

export interface Matcher {
  /** Whether the whole of `value` matches (as `^(?:pattern)$`). */
  test(value: string): boolean;
  /** `^(?:pattern)$`, what the matcher means (also its JSON form, for logs and tests) */
  readonly source: string;
  toJSON(): string;
}

/** NFA states a pattern may expand to; counted repetitions multiply (`(a{100}){100}` is 10,000). */
export const MAX_REGEX_STATES = 20_000;

export class UnsupportedRegex extends Error {
  override name = 'UnsupportedRegex';
}

export class RegexTooComplex extends Error {
  override name = 'RegexTooComplex';
}

type Assertion = 'start' | 'end' | 'word' | 'notword';

type Node =
  | { t: 'atom'; src: string }
  | { t: 'assert'; kind: Assertion }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number };

const QUANTIFIER = /^\{(\d+)(?:(,)(\d*))?\}/;
const SYNTAX_CHARS = /[\\^$.*+?()[\]{}|/]/;

class Parser {
  private pos = 0;

  constructor(private readonly chars: string[]) {}

  parse(): Node {
    const node = this.alternation();
    if (this.pos < this.chars.length) throw new UnsupportedRegex(`unexpected "${this.chars[this.pos]}" at position ${this.pos}`);
    return node;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  private next(): string {
    const c = this.chars[this.pos++];
    if (c === undefined) throw new UnsupportedRegex('unexpected end of the pattern');
    return c;
  }

  private rest(max = 24): string {
    return this.chars.slice(this.pos, this.pos + max).join('');
  }

  private alternation(): Node {
    const items = [this.concatenation()];
    while (this.peek() === '|') {
      this.pos++;
      items.push(this.concatenation());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  private concatenation(): Node {
    const items: Node[] = [];
    while (this.pos < this.chars.length && this.peek() !== '|' && this.peek() !== ')') items.push(this.repetition(this.atom()));
    return items.length === 1 ? items[0]! : { t: 'cat', items };
  }

  private repetition(node: Node): Node {
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const match = QUANTIFIER.exec(this.rest());
        if (!match) return node; // a literal brace (outside unicode mode)
        min = Number(match[1]);
        max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
        this.pos += match[0].length - 1;
      } else {
        return node;
      }
      this.pos++;
      if (this.peek() === '?') this.pos++; // lazy: the same language
      node = { t: 'rep', node, min, max };
    }
  }

  private atom(): Node {
    const c = this.next();
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return { t: 'atom', src: this.characterClass() };
      case '.':
        return { t: 'atom', src: '.' };
      case '^':
        return { t: 'assert', kind: 'start' };
      case '$':
        return { t: 'assert', kind: 'end' };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        throw new UnsupportedRegex(`nothing to repeat before "${c}"`);
      default:
        return { t: 'atom', src: SYNTAX_CHARS.test(c) ? `\\${c}` : c };
    }
  }

  private group(): Node {
    if (this.peek() === '?') {
      this.pos++;
      const kind = this.next();
      if (kind === '=' || kind === '!') throw new UnsupportedRegex('lookahead is not supported');
      if (kind === '<' && (this.peek() === '=' || this.peek() === '!')) throw new UnsupportedRegex('lookbehind is not supported');
      if (kind === 'P' && this.peek() === '<') this.pos++;
      else if (kind !== ':' && kind !== '<') throw new UnsupportedRegex(`the group "(?${kind}" is not supported`);
      if (kind !== ':') while (this.next() !== '>');
    }
    const inner = this.alternation();
    if (this.next() !== ')') throw new UnsupportedRegex('missing ")"');
    return inner;
  }

  /** The source of `[...]`, up to the first unescaped `]` (JavaScript: `[]` is an empty class). */
  private characterClass(): string {
    let src = '[';
    if (this.peek() === '^') src += this.next();
    for (;;) {
      const c = this.next();
      src += c;
      if (c === ']') return src;
      if (c === '\\') src += this.next();
    }
  }

  private escape(): Node {
    const e = this.next();
    switch (e) {
      case 'b':
        return { t: 'assert', kind: 'word' };
      case 'B':
        return { t: 'assert', kind: 'notword' };
      case 'k':
        if (this.peek() === '<') throw new UnsupportedRegex('backreferences are not supported');
        return { t: 'atom', src: 'k' };
      case 'x':
        return { t: 'atom', src: `\\x${this.next()}${this.next()}` };
      case 'c':
        return { t: 'atom', src: `\\c${this.next()}` };
      case 'u':
      case 'p':
      case 'P': {
        if (this.peek() === '{') {
          let src = `\\${e}`;
          while (!src.endsWith('}')) src += this.next();
          return { t: 'atom', src };
        }
        if (e !== 'u') return { t: 'atom', src: `\\${e}` };
        return { t: 'atom', src: `\\u${this.next()}${this.next()}${this.next()}${this.next()}` };
      }
    }
    if (/[1-9]/.test(e)) throw new UnsupportedRegex('backreferences are not supported');
    return { t: 'atom', src: `\\${e}` };
  }
}

/** NFA state kinds. */
const Op = { Char: 0, Split: 1, Assert: 2, Match: 3 } as const;
type Op = (typeof Op)[keyof typeof Op];

interface Nfa {
  op: Uint8Array;
  /** Char: atom index; Assert: assertion index */
  arg: Int32Array;
  out: Int32Array;
  out1: Int32Array;
  start: number;
  atoms: RegExp[];
}

const ASSERTIONS: Assertion[] = ['start', 'end', 'word', 'notword'];

function buildNfa(root: Node, flags: string): Nfa {
  const op: number[] = [];
  const arg: number[] = [];
  const out: number[] = [];
  const out1: number[] = [];
  const atomIndex = new Map<string, number>();
  const atoms: RegExp[] = [];
  const push = (o: Op, a: number, next: number, next1 = -1): number => {
    if (op.length >= MAX_REGEX_STATES) {
      throw new RegexTooComplex(`it expands to more than ${MAX_REGEX_STATES} states (counted repetitions such as {100} multiply)`);
    }
    op.push(o);
    arg.push(a);
    out.push(next);
    out1.push(next1);
    return op.length - 1;
  };
  const atom = (src: string): number => {
    let index = atomIndex.get(src);
    if (index === undefined) {
      index = atoms.length;
      atoms.push(new RegExp(`^(?:${src})$`, flags));
      atomIndex.set(src, index);
    }
    return index;
  };
  // Built back to front: compile(node, next) returns the entry state of node, which leads to next.
  const compile = (node: Node, next: number): number => {
    switch (node.t) {
      case 'atom':
        return push(Op.Char, atom(node.src), next);
      case 'assert':
        return push(Op.Assert, ASSERTIONS.indexOf(node.kind), next);
      case 'cat': {
        let entry = next;
        for (let i = node.items.length - 1; i >= 0; i--) entry = compile(node.items[i]!, entry);
        return entry;
      }
      case 'alt': {
        const entries = node.items.map((item) => compile(item, next));
        let entry = entries[entries.length - 1]!;
        for (let i = entries.length - 2; i >= 0; i--) entry = push(Op.Split, 0, entries[i]!, entry);
        return entry;
      }
      case 'rep': {
        let entry: number;
        if (node.max === Infinity) {
          const loop = push(Op.Split, 0, -1, next);
          out[loop] = compile(node.node, loop);
          entry = loop;
        } else {
          entry = next;
          for (let i = node.min; i < node.max; i++) entry = push(Op.Split, 0, compile(node.node, entry), next);
        }
        for (let i = 0; i < node.min; i++) entry = compile(node.node, entry);
        return entry;
      }
    }
  };
  const match = push(Op.Match, 0, -1);
  const start = compile(root, match);
  return { op: Uint8Array.from(op), arg: Int32Array.from(arg), out: Int32Array.from(out), out1: Int32Array.from(out1), start, atoms };
}

const WORD = /^[A-Za-z0-9_]$/;

/**
 * Compiles `pattern` (valid JavaScript regex syntax with these flags) into a linear-time full
 * matcher. `flags` may hold `u`, `i` and `s`, with RegExp's meaning. Throws UnsupportedRegex
 * (backreferences, lookaround, inline flag groups) or RegexTooComplex (too many states).
 */
export function compileLinearRegex(pattern: string, flags = 'su'): Matcher {
  const unicode = flags.includes('u');
  const chars = unicode ? Array.from(pattern) : pattern.split('');
  const nfa = buildNfa(new Parser(chars).parse(), flags);
  const size = nfa.op.length;
  const mark = new Uint32Array(size);
  let generation = 0;
  const memo = nfa.atoms.map(() => new Map<string, boolean>());
  const atomMatches = (index: number, c: string): boolean => {
    const cache = memo[index]!;
    let hit = cache.get(c);
    if (hit === undefined) {
      hit = nfa.atoms[index]!.test(c);
      if (cache.size >= 512) cache.clear();
      cache.set(c, hit);
    }
    return hit;
  };

  const source = `^(?:${pattern})$`;
  return {
    source,
    toJSON: () => source,
    test(value: string): boolean {
      const input = unicode ? Array.from(value) : value.split('');
      const n = input.length;
      const isWord = (i: number) => i >= 0 && i < n && WORD.test(input[i]!);
      const holds = (assertion: number, at: number): boolean => {
        switch (ASSERTIONS[assertion]) {
          case 'start':
            return at === 0;
          case 'end':
            return at === n;
          case 'word':
            return isWord(at - 1) !== isWord(at);
          default:
            return isWord(at - 1) === isWord(at);
        }
      };
      let current: number[] = [];
      let next: number[] = [];
      const stack: number[] = [];
      /** Follows the epsilon moves from state s at input position at, collecting Char and Match states. */
      const add = (list: number[], s: number, at: number): void => {
        stack.push(s);
        while (stack.length > 0) {
          const state = stack.pop()!;
          if (mark[state] === generation) continue;
          mark[state] = generation;
          switch (nfa.op[state]) {
            case Op.Split:
              stack.push(nfa.out1[state]!, nfa.out[state]!);
              break;
            case Op.Assert:
              if (holds(nfa.arg[state]!, at)) stack.push(nfa.out[state]!);
              break;
            default:
              list.push(state);
          }
        }
      };
      generation = (generation + 1) >>> 0;
      if (generation === 0) {
        mark.fill(0);
        generation = 1;
      }
      add(current, nfa.start, 0);
      for (let at = 0; at < n; at++) {
        if (current.length === 0) return false;
        const c = input[at]!;
        generation = (generation + 1) >>> 0;
        if (generation === 0) {
          mark.fill(0);
          generation = 1;
        }
        next.length = 0;
        for (const state of current) {
          if (nfa.op[state] === Op.Char && atomMatches(nfa.arg[state]!, c)) add(next, nfa.out[state]!, at + 1);
        }
        [current, next] = [next, current];
      }
      return current.some((state) => nfa.op[state] === Op.Match);
    },
  };
}
