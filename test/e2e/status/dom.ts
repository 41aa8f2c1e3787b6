// Reading the status page's DOM as Chromium serialized it. The page marks what a
// script may read with ids and data- attributes, so a few patterns suffice.

/** The attributes of the first start tag that matches `selector` (tag plus one attribute=value). */
export function startTags(dom: string, tag: string, attribute: string, value?: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of dom.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, "g"))) {
    const attrs: Record<string, string> = {};
    for (const a of m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    if (attribute in attrs && (value === undefined || attrs[attribute] === value)) out.push(attrs);
  }
  return out;
}

/** The markup of the element with `id` up to its closing tag (no nesting of the same tag inside). */
export function elementById(dom: string, tag: string, id: string): string | undefined {
  const m = dom.match(new RegExp(`<${tag}\\b[^>]*\\bid="${id}"[^>]*>[\\s\\S]*?</${tag}>`));
  return m?.[0];
}
