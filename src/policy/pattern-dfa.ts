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

/** The nodes reachable by empty moves; ^ is followed only at the start, $ only at the end. */
function closure(nfa: Nfa, seeds: Iterable<number>, atStart: boolean, atEnd: boolean): Set<number> {
  const seen = new Set<number>();
  const stack = [...seeds];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    const kind = nfa.kind[n];
    const follow = kind === NodeKind.Split || (kind === NodeKind.AtStart && atStart) || (kind === NodeKind.AtEnd && atEnd);
    if (follow) stack.push(...nfa.out[n]!);
  }
  return seen;
}

/** What identifies a DFA state: its character steps and pending $ nodes (the rest are transit). */
function kernel(nfa: Nfa, nodes: Set<number>): number[] {
  return [...nodes].filter((n) => nfa.kind[n] === NodeKind.Char || nfa.kind[n] === NodeKind.AtEnd || nfa.kind[n] === NodeKind.Match).sort((a, b) => a - b);
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

  const intern = (nodes: number[], isStart: boolean): number => {
    const key = (isStart ? "^" : "") + nodes.join(",");
    const found = index.get(key);
    if (found !== undefined) return found;
    if (states.length >= MAX_DFA_STATES) throw new PatternInvalid(`pattern too complex: it needs more than ${MAX_DFA_STATES} automaton states`);
    const id = states.length;
    index.set(key, id);
    states.push(nodes);
    rows.push([]);
    accepting.push(closure(nfa, nodes, isStart, true).has(match) ? 1 : 0);
    return id;
  };

  const startNodes = kernel(nfa, closure(nfa, [nfa.start], true, false));
  const start = intern(startNodes, true);
  for (let s = 1; s < states.length; s++) {
    for (let c = 0; c < columns; c++) {
      const symbol = representative[c]!;
      const targets = states[s]!.filter((n) => nfa.kind[n] === NodeKind.Char && nfa.set[n]![symbol]).map((n) => nfa.out[n]![0]!);
      rows[s]![c] = targets.length === 0 ? 0 : intern(kernel(nfa, closure(nfa, targets, false, false)), false);
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
