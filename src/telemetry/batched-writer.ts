// Log output in one write per event-loop turn. A busy server handles many requests
// per turn, and one write(2) per request line cost about a fifth of the CPU of a
// cached manifest GET. Lines keep their order and leave at most one turn late;
// flush() writes what is pending at once (at shutdown and at exit).
export interface BatchedWriter {
  write(line: string): void;
  flush(): void;
}

export function batchedWriter(write: (chunk: string) => void): BatchedWriter {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = pending.join("");
    pending = [];
    write(chunk);
  };
  return {
    write(line) {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
