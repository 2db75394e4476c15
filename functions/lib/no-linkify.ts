// linkify-it, for a mailparser that is never asked to link anything: the email intake parses with
// `skipTextToHtml` and `skipTextLinks` (functions/lib/mail.ts), so mailparser builds no HTML of the text and
// never calls `pretest` or `match`. It still sets linkify-it up at module scope — `.tlds()` with the full
// list of 1,500 top-level domains compiles one large regular expression at every cold start — so the email
// intake's bundle aliases `linkify-it` to this chainable no-op and `tlds` to an empty list (no-tlds.cjs)
// (infra/function-bundle.ts; the unit tests parse mail through the same swap, vitest.config.ts).

interface Linkify {
  tlds(list: unknown, keepOld?: boolean): Linkify;
  add(schema: string, definition: unknown): Linkify;
  set(options: unknown): Linkify;
  /** No text is ever worth linking. */
  pretest(text: string): boolean;
  test(text: string): boolean;
  match(text: string): null;
}

export default function linkifyIt(): Linkify {
  const self: Linkify = {
    tlds: () => self,
    add: () => self,
    set: () => self,
    pretest: () => false,
    test: () => false,
    match: () => null,
  };
  return self;
}

