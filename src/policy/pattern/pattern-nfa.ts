// Thompson construction: a parsed pattern becomes a graph of character steps
// and empty moves. Built back to front, so every node knows its successor when
// it is made; a loop node gets its body's entry patched in afterwards.
import type { CharSet } from "./alphabet.ts";
import type { Ast } from "./pattern-parse.ts";
import { PatternInvalid } from "./pattern-errors.ts";

export const enum NodeKind {
  /** Consumes one character of `set`, then goes to out[0]. */
  Char,
  /** Empty moves to every node of out. */
  Split,
  /** ^: an empty move allowed only before the first character. */
  AtStart,
  /** $: an empty move allowed only after the last character. */
  AtEnd,
  Match,
}

export interface Nfa {
  kind: NodeKind[];
  out: number[][];
  set: (CharSet | undefined)[];
  start: number;
}

/** Bounds the work and memory of one pattern (repetitions multiply nodes). */
export const MAX_NFA_NODES = 4096;

export function buildNfa(ast: Ast): Nfa {
  const nfa: Nfa = { kind: [], out: [], set: [], start: 0 };
  const add = (kind: NodeKind, out: number[], set?: CharSet): number => {
    if (nfa.kind.length >= MAX_NFA_NODES) throw new PatternInvalid(`pattern too complex: it expands to more than ${MAX_NFA_NODES} steps`);
    nfa.kind.push(kind);
    nfa.out.push(out);
    nfa.set.push(set);
    return nfa.kind.length - 1;
  };

  function build(node: Ast, next: number): number {
    switch (node.t) {
      case "set":
        return add(NodeKind.Char, [next], node.set);
      case "assert":
        return add(node.at === "start" ? NodeKind.AtStart : NodeKind.AtEnd, [next]);
      case "seq":
        for (let i = node.items.length - 1; i >= 0; i--) next = build(node.items[i]!, next);
        return next;
      case "alt":
        return add(NodeKind.Split, node.options.map((o) => build(o, next)));
      case "repeat":
        return repeat(node.node, node.min, node.max, next);
    }
  }

  // x{min,max} = min copies of x, then either a loop (max = ∞) or max-min
  // nested optional copies: x{2,4} = x x (x (x)?)?
  function repeat(body: Ast, min: number, max: number, next: number): number {
    let tail = next;
    if (max === Infinity) {
      const loop = add(NodeKind.Split, []);
      nfa.out[loop] = [build(body, loop), next];
      tail = loop;
    } else {
      for (let i = 0; i < max - min; i++) tail = add(NodeKind.Split, [build(body, tail), next]);
    }
    for (let i = 0; i < min; i++) tail = build(body, tail);
    return tail;
  }

  const match = add(NodeKind.Match, []);
  nfa.start = build(ast, match);
  return nfa;
}
