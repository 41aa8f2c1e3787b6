// Subset construction: the NFA becomes a deterministic automaton, so that
// matching a tag is one table lookup per character, whatever the pattern —
// no backtracking, hence no pattern that can stall a push. Characters that
// every step treats alike share a column (most patterns need a handful), which
// keeps the table small enough for thousands of policies.
import { ALPHABET_SIZE, SYMBOL_OF } from "./alphabet.ts";
import { type Nfa, NodeKind } from "./pattern-nfa.ts";
import { PatternInvalid } from "./pattern-errors.ts";

/** A pattern with more states than this is refused as too complex (e.g. `.*a.{20}`). */
export const MAX_DFA_STATES = 1024;

export interface Dfa {
  /** Column of each ASCII code, -1 for characters no tag holds. */
  column: Int8Array;
  columns: number;
  /** next[state * columns + column]; state 0 is the dead state. */
  next: Int32Array;
  accepting: Uint8Array;
  start: number;
}

/**
 * The nodes reachable from `seeds` by empty moves (^ only at the start, $ only
 * at the end), reduced to what identifies a DFA state: character steps,
 * pending $ nodes and the match node, sorted. Transit nodes are left out.
 */
class Closure {
  private readonly seen: Int32Array;
  private stamp = 0;
  private readonly stack: number[] = [];

  constructor(private readonly nfa: Nfa) {
    this.seen = new Int32Array(nfa.kind.length);
  }

  of(seeds: readonly number[], atStart: boolean, atEnd: boolean): number[] {
    const { kind, out } = this.nfa;
    const stamp = ++this.stamp;
    const stack = this.stack;
    const kept: number[] = [];
    for (const n of seeds) stack.push(n);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (this.seen[n] === stamp) continue;
      this.seen[n] = stamp;
      const k = kind[n];
      if (k === NodeKind.Split || (k === NodeKind.AtStart && atStart) || (k === NodeKind.AtEnd && atEnd)) {
        for (const next of out[n]!) stack.push(next);
      } else if (k !== NodeKind.AtStart) kept.push(n);
    }
    return kept.sort((a, b) => a - b);
  }
}

function columnsOf(nfa: Nfa): { ofSymbol: Uint8Array; representative: number[] } {
  const steps = nfa.set.map((s, i) => (s ? i : -1)).filter((i) => i >= 0);
  const bySignature = new Map<string, number>();
  const ofSymbol = new Uint8Array(ALPHABET_SIZE);
  const representative: number[] = [];
  for (let symbol = 0; symbol < ALPHABET_SIZE; symbol++) {
    const signature = steps.map((n) => nfa.set[n]![symbol]).join("");
    let column = bySignature.get(signature);
    if (column === undefined) {
      column = representative.length;
      bySignature.set(signature, column);
      representative.push(symbol);
    }
    ofSymbol[symbol] = column;
  }
  return { ofSymbol, representative };
}

export function buildDfa(nfa: Nfa): Dfa {
  const { ofSymbol, representative } = columnsOf(nfa);
  const columns = representative.length;
  const states: number[][] = [[]]; // 0: dead
  const index = new Map<string, number>([["", 0]]);
  const rows: number[][] = [new Array<number>(columns).fill(0)];
  const accepting: number[] = [0];
  const match = nfa.kind.indexOf(NodeKind.Match);

  const closure = new Closure(nfa);
  const intern = (nodes: number[], isStart: boolean): number => {
    const key = (isStart ? "^" : "") + nodes.join(",");
    const found = index.get(key);
    if (found !== undefined) return found;
    if (states.length >= MAX_DFA_STATES) throw new PatternInvalid(`pattern too complex: it needs more than ${MAX_DFA_STATES} automaton states`);
    const id = states.length;
    index.set(key, id);
    states.push(nodes);
    rows.push([]);
    accepting.push(closure.of(nodes, isStart, true).includes(match) ? 1 : 0);
    return id;
  };

  const start = intern(closure.of([nfa.start], true, false), true);
  const targets: number[] = [];
  for (let s = 1; s < states.length; s++) {
    const steps = states[s]!.filter((n) => nfa.kind[n] === NodeKind.Char);
    for (let c = 0; c < columns; c++) {
      const symbol = representative[c]!;
      targets.length = 0;
      for (const n of steps) if (nfa.set[n]![symbol]) targets.push(nfa.out[n]![0]!);
      rows[s]![c] = targets.length === 0 ? 0 : intern(closure.of(targets, false, false), false);
    }
  }

  const column = new Int8Array(128).fill(-1);
  for (let code = 0; code < 128; code++) if (SYMBOL_OF[code]! >= 0) column[code] = ofSymbol[SYMBOL_OF[code]!]!;
  return { column, columns, next: Int32Array.from(rows.flat()), accepting: Uint8Array.from(accepting), start };
}

/** Does the automaton accept the whole of `tag`? One lookup per character. */
export function runDfa(dfa: Dfa, tag: string): boolean {
  let state = dfa.start;
  for (let i = 0; i < tag.length; i++) {
    const code = tag.charCodeAt(i);
    const column = code < 128 ? dfa.column[code]! : -1;
    if (column < 0) return false;
    state = dfa.next[state * dfa.columns + column]!;
    if (state === 0) return false;
  }
  return dfa.accepting[state] === 1;
}
